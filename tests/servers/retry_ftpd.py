#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""retry_ftpd.py - hostile_ftpd.py with the scenarios of kftp-get's --retry
tests (issue 21, tests/guest/script.sh).

Same options, log and data files as hostile_ftpd.py (whose scenarios it
serves too); start it with --scenario NAME. The scenarios below count the
RETRs of the server's life, so a case starts a server of its own:

  resettwice   the first two RETRs send a third of what they are asked
               for (from the REST offset on), then reset the data
               connection and answer 426; every later RETR sends the rest
               whole: one complete file, after two REST
  retr450once  the first RETR is answered 450 (busy), and the control
               connection stays; later RETRs send the file
"""

import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile_ftpd as h  # noqa: E402

_lock = threading.Lock()
_seen = {}


def nth(name):
    """1 for the first call with @name in this server's life, then 2, ..."""
    with _lock:
        _seen[name] = _seen.get(name, 0) + 1
        return _seen[name]


def t_resettwice(sess, ds, content):
    n = nth('resettwice')
    if n > 2:
        h.t_normal(sess, ds, content)
        return
    cut = max(1, len(content) // 3)
    h.xsend(ds, content[:cut], sess.halt)
    time.sleep(0.3)
    sess.log('* reset %d: %d bytes sent from offset %d, now a reset'
             % (n, cut, sess.offset))
    h.rst_close(ds)
    sess.reply('426 Connection reset; transfer aborted.')


def o_retr450once(sess, arg):
    if nth('retr450once') == 1:
        sess.reply('450 Requested file action not taken: file busy.')
        return None
    return h.Session.cmd_RETR(sess, arg)


h.scen('resettwice', 'the first two RETRs: a third, a reset and 426; then '
       'the rest whole', transfer=t_resettwice)
h.scen('retr450once', 'the first RETR: 450, control kept; then the file',
       on={'RETR': o_retr450once})

if __name__ == '__main__':
    sys.exit(h.main())
