"""What the benchmarks share, so that each script in bench/ is one measurement and no more.

- `processes`: tools, start and stop of child processes, waiting, the run's time limit;
- `databases`: fresh PostgreSQL databases and RabbitMQ vhosts, removed at the end;
- `service`: the registry under gunicorn, its API keys, calls to its API;
- `machine`: who used the cores during a phase (/proc), the machine and PostgreSQL described;
- `timing`: percentiles, best and median of repeated runs;
- `report`: progress lines on stderr, verdicts, JSON files;
- `load`, `raw_writes`, `floor_apps`, `write_bench`, `in_process`: the consent-write
  benchmarks' load generators, raw baseline, HTTP floors, session and in-process probes.

The scripts put bench/ first on `sys.path` by being run as `python bench/<script>.py`.
"""
