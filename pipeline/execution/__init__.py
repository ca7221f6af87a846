"""Batch execution: chunked, resumable runs over a worker pool or Dask, with stage isolation."""
