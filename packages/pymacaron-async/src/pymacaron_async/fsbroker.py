"""The embedded broker: kombu's filesystem transport, made safe for several processes.

kombu's transport writes a message in place (a reader may see it half
written) and claims it by moving it to the system's temporary folder (a copy,
not an atomic rename, when that folder is on another file system, so two
workers could both get it). Here a message is written under a temporary name
and renamed into the queue folder once complete, and claimed by renaming it
into ``processed_folder``, next to the queue (same file system, so exactly one
reader wins), then read and deleted: message files, which carry the callers'
tokens, never leave the service's ``.pym/`` folder nor outlive their delivery.
"""

from __future__ import annotations

import os
import uuid
from queue import Empty
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

SUFFIX = ".msg"


class Channel(filesystem.Channel):
    """A filesystem channel with atomic writes and claims."""

    def _put(self, queue, payload, **kwargs):
        name = f"{int(round(monotonic() * 1000)):015d}_{uuid.uuid4()}.{queue}{SUFFIX}"
        final = os.path.join(self.data_folder_out, name)
        partial = os.path.join(self.data_folder_out, f".{name}.part")
        try:
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as e:
            raise ChannelError(f"cannot write a message to the embedded broker's folder {self.data_folder_out}: "
                               f"{e.strerror}") from e

    def _get(self, queue):
        wanted = f"{queue}{SUFFIX}"
        claimed_dir = self.processed_folder
        for name in sorted(os.listdir(self.data_folder_in)):
            if name.startswith(".") or name.partition(".")[2] != wanted:
                continue
            claimed = os.path.join(claimed_dir, name)
            try:
                os.rename(os.path.join(self.data_folder_in, name), claimed)
            except OSError:
                continue  # another reader claimed it first
            try:
                with open(claimed, "rb") as f:
                    payload = f.read()
            except OSError as e:
                raise ChannelError(f"cannot read the message {claimed}: {e.strerror}") from e
            finally:
                try:
                    os.remove(claimed)
                except OSError:
                    pass
            return loads(bytes_to_str(payload))
        raise Empty()

    def _purge(self, queue):
        count = 0
        wanted = f"{queue}{SUFFIX}"
        for name in os.listdir(self.data_folder_in):
            if name.startswith(".") or name.partition(".")[2] != wanted:
                continue
            try:
                os.remove(os.path.join(self.data_folder_in, name))
                count += 1
            except OSError:
                pass
        return count

    def _size(self, queue):
        wanted = f"{queue}{SUFFIX}"
        return sum(1 for name in os.listdir(self.data_folder_in)
                   if not name.startswith(".") and name.partition(".")[2] == wanted)


class Transport(filesystem.Transport):
    """kombu's filesystem transport with :class:`Channel` (private folders, clear errors)."""
    Channel = Channel
    driver_type = "filesystem"
    driver_name = "pymacaron-filesystem"
