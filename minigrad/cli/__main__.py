"""``python -m minigrad.cli``: the ``minigrad`` command, so that an MPI launch reads
``mpiexec -n 2 python -m mpi4py -m minigrad.cli train ...`` (``python -m minigrad`` is the
same command)."""

from minigrad.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
