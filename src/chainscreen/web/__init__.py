"""The local review web app (``chainscreen serve``): pages where an analyst clears a run's hits,
and a JSON API for programs, over the run store. Needs the ``web`` extra (Starlette, uvicorn).

A front end only: what a decision does to a row is :mod:`chainscreen.review`'s, the reviewed
outputs are :mod:`chainscreen.reviewed`'s. See docs/REVIEW.md.
"""
