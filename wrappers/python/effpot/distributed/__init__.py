"""Where independent tasks run (any concurrent.futures executor, worker processes, Dask, MPI), with retries, and the
checkpoint folder that lets an interrupted run resume. Nothing here knows what the tasks compute."""
from .checkpoint import Checkpoint, CheckpointError
from .executors import Task, as_executor, local_executor, run_tasks, worker_device

__all__ = ["Checkpoint", "CheckpointError", "Task", "as_executor", "local_executor", "run_tasks", "worker_device"]
