"""The kernel websocket of the dashboards, with small messages sent at once (TCP_NODELAY).

jupyter_server's kernel websocket leaves Nagle's algorithm on. A widget page talks to its kernel in
small request/reply messages, each reply following a small status message; with Nagle's algorithm
the reply waits for the browser's delayed acknowledgement of that status message, about 40 ms per
round trip, and a dashboard's start takes several round trips (kernel info, comm info, widget
state). ``natsam serve`` runs Voila with this connection class
(``--Voila.kernel_websocket_connection_class``), which turns Nagle's algorithm off when a page
connects to its kernel.
"""

from __future__ import annotations

import asyncio

from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection


class NoDelayKernelConnection(ZMQChannelsWebsocketConnection):
    """jupyter_server's ZMQ channels connection, with TCP_NODELAY on the page's websocket."""

    def connect(self) -> asyncio.Future[None] | None:
        self.websocket_handler.set_nodelay(True)
        return super().connect()
