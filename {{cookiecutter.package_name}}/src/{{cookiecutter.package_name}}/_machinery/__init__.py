"""The machinery the launchers run on: private, the same for every product, one job per module.

A plugin's own code is ``config.py`` (the fields and the product's command line), ``launcher.py``
(the launcher: how the product is reached and when it is ready) and, with the connect mode,
``connect.py``, with the container mode ``container.py``. Those import from here; nothing here
imports them. Each module imports only the modules above it in this list, and ``errors.py`` of
the package:

- ``watchdog.py``: ends the product when the launching process ends without ``stop()`` (a
  script; the standard library only);
- ``listeners.py``: which process listens on a TCP port;
- ``places.py``: the temporary folder, found without writing to it;
- ``logs.py``: the log files, a private folder per product;
- ``process.py``: the product's process: a bounded start, a sure stop;
- ``placeholders.py``: ``{name}`` placeholders filled in;
- ``fields.py``: the config's fields, type-checked and resolved for a launch;
- ``commandline.py``: the executable found and the command line filled in;
- ``probes.py``: is an address this machine, does it accept connections;
- ``ports.py``: free ports reserved and probed, and a new one when another process took the first;
- ``launching.py``: ``ProcessLauncher``, what the launchers share whatever the protocol;
- ``containers.py``: a container engine's command line, the containers' names and labels, and
  the removal of those a crashed run left.
"""
