"""Jobs: a queue in the metadata store, a state machine, and pluggable executors.

Key names: ``enqueue``/``cancel_job``/``retry_job`` (queue), ``Dispatcher`` (claims
queued jobs and hands them to the executor), ``JobExecutor`` (the seam),
``LocalJobExecutor`` (worker subprocesses), ``JobContext`` (what a handler gets),
``register_handler`` (job type → function).
State machine: queued → running → succeeded | failed | cancelled; failed/cancelled →
queued by retry; running → queued or failed on recovery after a restart.
Non-goals: cron scheduling (a later issue), cross-job dependencies.
"""
