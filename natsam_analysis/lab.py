"""JupyterLab on the research notebooks, started the same way by ``natsam lab`` and by the tests.

JupyterLab is told to stay on this machine: no news feed (``LabApp.news_url=None``), no check for a
newer JupyterLab (``NeverCheckForUpdate``) and the read-only extension manager, which lists the
installed extensions without asking PyPI (extensions come from ``requirements.lock``). JupyterLab's
page still asks once whether to show Jupyter's news; whatever the answer, the feed stays off. As root,
as in a container or CI, ``--allow-root`` is added, since JupyterLab refuses to start as root otherwise.

A notebook's kernel runs in the notebook's folder, but the notebooks find their data through the
library (:mod:`natsam_analysis.config`), so JupyterLab on a copy of ``notebooks/`` runs them alike.

Examples
--------
>>> lab_url("127.0.0.1", 8888, "01_oversikt.ipynb")
'http://127.0.0.1:8888/lab/tree/01_oversikt.ipynb'
>>> lab_command(Path("notebooks"), "127.0.0.1", 8888, as_root=False)[3:6]
['--ServerApp.root_dir=notebooks', '--ServerApp.ip=127.0.0.1', '--ServerApp.port=8888']
>>> with LabServer(config.notebooks_dir(), port=free_port()) as lab:   # doctest: +SKIP
...     lab.url("01_oversikt.ipynb")
'http://127.0.0.1:41234/lab/tree/01_oversikt.ipynb?token=...'
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote

from natsam_analysis import config
from natsam_analysis.errors import NatsamError
from natsam_analysis.serve import BackgroundServer, check_port, free_port, run_foreground

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "LOCAL_ONLY_OPTIONS", "LabServer", "check_lab_port", "check_notebooks",
           "free_port", "lab_command", "lab_url", "run_lab"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8888
#: Options that keep JupyterLab from contacting other hosts (see the module docstring).
LOCAL_ONLY_OPTIONS = (
    "--LabApp.news_url=None",
    "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    "--LabApp.extension_manager=readonly",
)


def check_notebooks(folder: Path | None = None) -> Path:
    """Return the notebooks folder (default: the project's ``notebooks/``) resolved, or raise if it is missing."""
    folder = Path(folder or config.notebooks_dir()).expanduser().resolve()
    if not folder.is_dir():
        raise NatsamError(f"{folder}: no such folder of notebooks. Run from a complete checkout of the project, "
                          "or point --notebooks-dir at an existing folder.")
    return folder


def check_lab_port(host: str, port: int) -> None:
    """Raise a ``NatsamError`` unless JupyterLab can listen on ``host:port`` (see :func:`~natsam_analysis.serve.check_port`)."""
    check_port(host, port, command="natsam lab", default_port=DEFAULT_PORT)


def lab_url(host: str, port: int, notebook: str | None = None) -> str:
    """The address of JupyterLab on ``host:port``, opening ``notebook`` (a path below its folder) if given.

    Examples
    --------
    >>> lab_url("::1", 8890)
    'http://[::1]:8890/lab'
    """
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/lab"
    return f"{url}/tree/{quote(notebook)}" if notebook else url


def lab_command(folder: Path, host: str, port: int, *, open_browser: bool = False,
                as_root: bool | None = None) -> list[str]:
    """The command line that runs JupyterLab on the notebooks in ``folder``.

    JupyterLab listens on ``host:port`` only (it may not move to another port when ``port`` is
    taken), makes no request off this machine (:data:`LOCAL_ONLY_OPTIONS`) and gets
    ``--allow-root`` when ``as_root`` (default: when this process runs as root).
    """
    if as_root is None:
        as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    command = [
        sys.executable, "-m", "jupyterlab",
        f"--ServerApp.root_dir={folder}",
        f"--ServerApp.ip={host}",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        *LOCAL_ONLY_OPTIONS,
    ]
    if not open_browser:
        command.append("--no-browser")
    if as_root:
        command.append("--allow-root")
    return command


def run_lab(folder: Path, host: str, port: int, *, open_browser: bool = True) -> int:
    """Run JupyterLab on ``folder`` in the foreground until it stops; return its exit status."""
    return run_foreground(lab_command(folder, host, port, open_browser=open_browser), dict(os.environ))


class LabServer(BackgroundServer):
    """JupyterLab on ``folder`` as a background process, started exactly as ``natsam lab`` starts it.

    Meant for tests: use it as a context manager (see
    :class:`~natsam_analysis.serve.BackgroundServer`). The server gets a random token (through
    ``JUPYTER_TOKEN``, so the command line stays that of ``natsam lab``), which :meth:`url` includes.

    Parameters
    ----------
    folder
        Folder of notebooks; JupyterLab may write to it (checkpoints, autosave), so give tests a copy.
    host, port
        Where to listen (see :func:`~natsam_analysis.serve.free_port`).
    log_path
        File that receives JupyterLab's output (default: discarded).
    env
        Extra environment variables, e.g. ``JUPYTERLAB_SETTINGS_DIR`` and
        ``JUPYTERLAB_WORKSPACES_DIR`` to keep a user's settings and open tabs out of a test.
    startup_timeout
        Seconds to wait for the server to accept connections.

    Examples
    --------
    >>> with LabServer(tmp_copy, port=free_port()) as lab:   # doctest: +SKIP
    ...     page.goto(lab.url("01_oversikt.ipynb"))
    """

    name = "JupyterLab"

    def __init__(self, folder: Path, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
                 log_path: Path | None = None, env: Mapping[str, str] | None = None,
                 startup_timeout: float = 120.0) -> None:
        super().__init__(host=host, port=port, log_path=log_path, startup_timeout=startup_timeout)
        self.folder = Path(folder)
        self.token = secrets.token_hex(16)
        self.env = dict(env or {})

    def url(self, notebook: str | None = None) -> str:
        """The address of ``notebook`` (or of JupyterLab) on this server, with the token."""
        return f"{lab_url(self.host, self.port, notebook)}?token={self.token}"

    def check_port(self) -> None:
        """Raise a ``NatsamError`` unless JupyterLab can listen on its port (see :func:`check_lab_port`)."""
        check_lab_port(self.host, self.port)

    def command(self) -> list[str]:
        """The command line of ``natsam lab --no-browser`` (see :func:`lab_command`)."""
        return lab_command(self.folder, self.host, self.port)

    def environment(self) -> dict[str, str]:
        """This process's environment plus :attr:`env` and the token."""
        return {**os.environ, **self.env, "JUPYTER_TOKEN": self.token}
