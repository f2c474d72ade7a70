#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""hostile_ftpd.py - a scripted, misbehaving FTP server for testing kftp.

Standard library only; run it with /usr/bin/python3.

One long-running server serves every scenario. The scenario of a control
connection is chosen when it is accepted:
  1. --scenario NAME, if given, for every connection; else
  2. the first word of the --control FILE, if the file exists and does not
     say "byuser" (a second word is a tag, logged as "case=TAG" on the
     accept line, so a test can find its connection); else
  3. the USER name (unknown names, "anonymous" included, get "normal").
Greeting-phase scenarios (silence, greet421, ...) act before USER is sent,
so they can only be chosen with 1 or 2.

The server speaks enough FTP for an active-mode RETR client: USER, PASS,
TYPE, SIZE, MDTM, PORT, EPRT, REST, RETR, ABOR, QUIT, NOOP, SYST, FEAT, PWD,
CWD, MODE, STRU; and HASH, OPTS HASH and XSHA256 in the digest scenarios.
Every RETR serves the scenario's content whatever the path; LIST, NLST and
MLSD serve its listing (a small one of each form unless the scenario has
its own), through the same data phase. A "tree" scenario (mirror*) serves
a directory tree by path instead: each listing is that of the directory
named, SIZE, MDTM and RETR those of the file named, 550 for what is not
there (see "trees" below). The data
connection is opened after RETR with a 150 reply (as vsftpd does) or, for
"pyftpd"-style scenarios, right at PORT/EPRT time and before the 200 reply,
with a 125 reply to RETR (as pyftpdlib does).

Log (--log): one line per event, "<secs> c<conn> <scenario> <what>", where
<what> is "< line" for a received command line, "> line" for a sent reply
line, "* text" for an event (accept, data connect, EOF, errors).

Holds (--command FIFO): a test can stop any session at a step of the
dialogue, act on the client while it waits there (stop it, kill it, fork
it...), then let the session go on or drop it. See "holds" below; --list
prints the steps.

--ready FILE receives the listening port once the server accepts
connections (written atomically). --datadir DIR receives main.bin and
trickle.bin, the exact bytes that the successful scenarios serve.
--list prints the scenarios and exits.
"""

import argparse
import ctypes
import hashlib
import os
import random
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import traceback

CRLF = b'\r\n'
MAIN = random.Random(0x6b667470).randbytes(300007)  # odd size on purpose
TRICKLE = b'kftp!\n'
THIEF = b'THIEF-BYTES!' * 512
FLOOD_SIZE = 1 << 30
THIEF_SRC4 = '127.0.0.2'
SESSION_LIMIT = 900.0  # seconds a connection may live, whatever happens
BIG_SIZE = 40 << 20    # the throttled download of the stop/continue tests
MDTM_TEXT = '20240229123456'  # MDTM's answer: 1709210096 s since the epoch
_big = []


def big():
    """BIG_SIZE bytes of MAIN repeated, made on first use only."""
    if not _big:
        _big.append((MAIN * (BIG_SIZE // len(MAIN) + 1))[:BIG_SIZE])
    return _big[0]


class Gone(Exception):
    """The peer went away, or the transfer was told to stop."""


def xsend(sock, data, stop=None, limit=300.0):
    """Send everything, giving up when @stop is set or the peer is gone."""
    view = memoryview(data)
    end = time.monotonic() + limit
    poller = select.poll()
    try:
        poller.register(sock, select.POLLOUT)
    except (ValueError, OSError) as e:     # closed meanwhile
        raise Gone('send: %s' % e) from None
    while view:
        if stop is not None and stop.is_set():
            raise Gone('stopped')
        if time.monotonic() > end:
            raise Gone('send deadline')
        try:
            if not poller.poll(200):
                continue
            n = sock.send(view, socket.MSG_DONTWAIT | socket.MSG_NOSIGNAL)
        except (BlockingIOError, InterruptedError):
            continue
        except OSError as e:
            raise Gone('send: %s' % e) from None
        view = view[n:]


def rst_close(sock):
    """Close with SO_LINGER 0: the peer gets a TCP reset."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                        struct.pack('ii', 1, 0))
    except OSError:
        pass
    sock.close()


def fin_close(sock):
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


def printable(b):
    return ''.join(chr(c) if 32 <= c < 127 else '\\x%02x' % c for c in b)


# ---------------------------------------------------------------- scenarios

class Scen:
    """What a scenario changes. Unset hooks mean normal behaviour."""

    def __init__(self, name, desc, greet=None, on=None, retr=None,
                 transfer=None, style='vsftpd', content=MAIN, size=None,
                 thief=None, thieves=1, fork=False, nodelay=False,
                 listing=None, tree=None, nopipe=False):
        self.name = name
        self.desc = desc
        self.greet = greet          # f(sess) -> continue with commands?
        self.on = on or {}          # VERB -> reply text, or f(sess, arg)
        self.retr = retr            # f(sess, arg) replaces RETR entirely
        self.transfer = transfer    # f(sess, dsock, content), data phase
        self.style = style          # 'vsftpd' or 'pyftpd'
        self.content = content
        self.size = len(content) if size is None else size
        self.thief = thief          # None, 'retr' or 'port'
        self.thieves = thieves      # how many thieves come first
        self.fork = fork            # run the session in a child process
        self.nodelay = nodelay
        self.listing = listing      # {VERB: bytes} for LIST, NLST, MLSD
        self.tree = tree            # f(path) -> TDir, TFile or None
        self.nopipe = nopipe        # drop what came with a command line


SCEN = {}


def scen(*a, **kw):
    s = Scen(*a, **kw)
    assert s.name not in SCEN, s.name
    SCEN[s.name] = s


def reply_then(text, then):
    """Override: send @text, then 'close' (FIN), 'rst' or 'mute'."""
    def f(sess, arg):
        sess.reply(text)
        if then == 'close':
            sess.close_control()
        elif then == 'rst':
            sess.close_control(rst=True)
        elif then == 'mute':
            sess.mute = True
    return f


# greetings -----------------------------------------------------------------

def g_silence(sess):
    sess.mute = True
    return True


def g_421(sess):
    sess.reply('421 hostile: service not available, closing control '
               'connection.')
    sess.close_control()
    return False


def g_longline(sess):
    sess.send_raw(b'220 ' + b'A' * 65536)
    sess.mute = True
    return True


def g_endless(sess):
    sess.mute = True
    chunk = b''.join(b'220-endless reply line %06d, never ends\r\n' % i
                     for i in range(2000))
    sess.send_raw(b'220-hostile: this reply never ends\r\n')
    sent = 0
    while sent < (256 << 20):
        sess.send_raw(chunk)
        sent += len(chunk)
    sess.log('* endless reply: gave up after %d bytes' % sent)
    return True


def g_raw(line):
    def f(sess):
        sess.send_raw(line)
        sess.mute = True
        return True
    return f


def g_multi(sess):
    sess.reply('220-hostile: multi-line greeting, inner lines follow',
               '123 x this inner line starts with digits',
               '230 not the end either: another code',
               '220-still going',
               ' 220 indented, not the end',
               '220 ok')
    return True


def g_slow(sess):
    old, sess.slow = sess.slow, 0.03
    sess.reply('220-hostile: greeting in one-byte TCP segments',
               '220 slow but ok')
    sess.slow = old
    return True


def g_allslow(sess):
    sess.slow = 0.01
    sess.reply('220 hostile: every reply in one-byte segments')
    return True


def g_bigbanner(sess):
    lines = ['220-hostile: a long banner follows']
    lines += ['%03d %s' % (i, 'long banner text ' * 17) for i in range(100)]
    sess.reply(*lines, '220 end of the long banner')
    return True


def g_drip(sess):
    sess.mute = True
    sess.reply('220-hostile: a reply that drips, one line every 0.5 s')
    for i in range(120):
        time.sleep(0.5)
        sess.reply('220-drip %d' % i)
    return True


def g_lfonly(sess):
    sess.eol = b'\n'
    sess.reply('220 hostile: every line ends in LF alone')
    return True


def g_120(sess):
    sess.reply('120 hostile: service ready in a moment')
    time.sleep(0.3)
    sess.reply('220 ready now')
    return True


def g_rst(sess):
    time.sleep(0.2)     # the client is surely waiting for the greeting
    sess.close_control(rst=True)
    return False


def g_eof(sess):
    sess.close_control()
    return False


# RETR replacements ----------------------------------------------------------

def opening(sess, arg):
    """The 150 reply to RETR, vsftpd's words; a long name is cut, so that
    the line stays well within what a client reads (kftp: 2047 bytes)."""
    if len(arg) > 200:
        arg = arg[:200] + '...'
    return '150 Opening BINARY mode data connection for %s (%d bytes).' % (
        arg, sess.scen.size)


def r_nevercon(sess, arg):
    sess.reply(opening(sess, arg))
    sess.log('* not connecting, ever')


def r_150_451(sess, arg):
    sess.reply(opening(sess, arg))
    time.sleep(0.3)
    sess.reply('451 hostile: local error in processing, no data for you.')


def r_ctlclose(sess, arg):
    sess.reply(opening(sess, arg))
    time.sleep(0.3)
    sess.close_control()


def r_wrongaddr(sess, arg):
    sess.reply(opening(sess, arg))

    def run():
        ds = sess.connect_data(src=THIEF_SRC4, what='wrong-address')
        if ds is None:
            return
        try:
            xsend(ds, sess.scen.content, sess.halt)
            sess.log('* wrong-address data: all %d bytes queued'
                     % len(sess.scen.content))
        except Gone as e:
            sess.log('* wrong-address data: %s' % e)
        fin_close(ds)
        sess.log('* staying silent on the control connection')
    sess.start_thread(run)


def r_thiefflood(sess, arg):
    sess.reply(opening(sess, arg))

    def run():
        end = time.monotonic() + 10
        n = 0
        while time.monotonic() < end and not sess.halt.is_set():
            src = '127.0.0.%d' % (2 + n % 200)
            try:
                ts = socket.create_connection(sess.target, timeout=1,
                                              source_address=(src, 0))
            except OSError as e:
                sess.log('* thief %d from %s: %s' % (n, src, e))
                if isinstance(e, ConnectionRefusedError):
                    break           # the client stopped listening
                continue
            n += 1
            sess.log('* thief connection %s:%d' % ts.getsockname()[:2])
            try:
                ts.send(THIEF[:100], socket.MSG_DONTWAIT)
            except OSError:
                pass
            sess.dsocks.append(ts)
            if len(sess.dsocks) > 40:
                sess.dsocks.pop(0).close()
            time.sleep(0.1)
        sess.log('* %d thief connections made, staying silent' % n)
    sess.start_thread(run)


# data phases ----------------------------------------------------------------

def finish(sess, ds, text='226 Transfer complete.'):
    fin_close(ds)
    sess.log('* data closed')
    sess.hold_point('226')
    sess.reply(text)


def t_normal(sess, ds, content):
    cut = len(content) // 2
    xsend(ds, content[:cut], sess.halt)
    sess.hold_point('data')
    xsend(ds, content[cut:], sess.halt)
    finish(sess, ds)


def t_no226(sess, ds, content):
    xsend(ds, content, sess.halt)
    fin_close(ds)
    sess.log('* data complete and closed; no 226, ever')


def t_close_after_226(sess, ds, content):
    xsend(ds, content, sess.halt)
    finish(sess, ds)
    sess.close_control()


def t_250(sess, ds, content):
    xsend(ds, content, sess.halt)
    finish(sess, ds, '250 Requested file action okay, completed.')


def r_databefore150(sess, arg):
    def run():
        ds = sess.connect_data()
        if ds is None:
            sess.reply("425 Can't open data connection.")
            return
        xsend(ds, sess.scen.content, sess.halt)
        fin_close(ds)
        sess.log('* all data sent and closed before any reply to RETR')
        time.sleep(0.3)
        sess.reply(opening(sess, arg))
        time.sleep(0.2)
        sess.reply('226 Transfer complete.')
    sess.start_thread(run)


def t_early226(sess, ds, content):
    cut = len(content) * 2 // 5
    xsend(ds, content[:cut], sess.halt)
    sess.log('* %d of %d bytes sent, 226 goes now' % (cut, len(content)))
    sess.reply('226 Transfer complete (not really, yet).')
    time.sleep(0.5)
    xsend(ds, content[cut:], sess.halt)
    fin_close(ds)
    sess.log('* data closed after the rest')


def t_trickle(sess, ds, content):
    try:
        ds.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:
        pass
    for i in range(len(content)):
        if i:
            time.sleep(1.0)
        xsend(ds, content[i:i + 1], sess.halt)
        sess.log('* trickle byte %d' % (i + 1))
    finish(sess, ds)


def half(content):
    return content[:len(content) // 2]


def t_earlyclose(sess, ds, content):
    xsend(ds, half(content), sess.halt)
    fin_close(ds)
    sess.log('* data closed early')
    time.sleep(0.2)
    sess.reply('426 Connection closed; transfer aborted.')


def t_reset(sess, ds, content):
    xsend(ds, half(content), sess.halt)
    time.sleep(0.2)
    rst_close(ds)
    sess.log('* data reset (SO_LINGER 0); control stays silent')


def t_reset426(sess, ds, content):
    xsend(ds, half(content), sess.halt)
    time.sleep(0.2)
    rst_close(ds)
    sess.log('* data reset (SO_LINGER 0)')
    sess.reply('426 Connection reset; transfer aborted.')


def t_stall(sess, ds, content):
    xsend(ds, half(content), sess.halt)
    sess.log('* half sent, now stalling with everything open')


def t_vanish(sess, ds, content):
    xsend(ds, half(content), sess.halt)
    time.sleep(0.2)
    sess.log('* vanishing: closing data and control, no reply')
    fin_close(ds)
    sess.close_control()


def t_vanishkill(sess, ds, content):
    xsend(ds, half(content), sess.halt)
    time.sleep(0.2)
    sess.log('* vanishing: SIGKILL to my own process %d' % os.getpid())
    os.kill(os.getpid(), signal.SIGKILL)


def stream(sess, ds, chunk, delay):
    total = sess.scen.size
    sent = 0
    last = time.monotonic()
    while sent < total:
        n = min(len(chunk), total - sent)
        xsend(ds, memoryview(chunk)[:n], sess.halt)
        sent += n
        if delay:
            time.sleep(delay)
        if time.monotonic() - last > 1:
            sess.log('* %d bytes sent so far' % sent)
            last = time.monotonic()
    finish(sess, ds)


def t_flood(sess, ds, content):
    stream(sess, ds, (MAIN * 4)[:1 << 20], 0)


def t_slowstream(sess, ds, content):
    stream(sess, ds, MAIN[:16384], 0.02)


def t_throttle(sess, ds, content):
    """big() from the REST offset on, at about 10 MB/s."""
    view = memoryview(big())[sess.offset:]
    last = time.monotonic()
    for i in range(0, len(view), 1 << 18):
        xsend(ds, view[i:i + (1 << 18)], sess.halt)
        time.sleep(0.025)
        if time.monotonic() - last > 1:
            sess.log('* %d bytes sent so far' % (sess.offset + i))
            last = time.monotonic()
    finish(sess, ds)


def t_then_idle(text):
    """A normal transfer; then, after 1 s without a command, @text (if
    any) and the control connection closes, as an idle timeout does."""
    def f(sess, ds, content):
        t_normal(sess, ds, content)
        mark = sess.ncmds
        time.sleep(1.0)
        if sess.ncmds == mark and not sess.gone.is_set():
            sess.log('* idle: dropping the control connection')
            if text:
                sess.reply(text)
            sess.close_control()
    return f


def r_partial150(sess, arg):
    """150 plus the first byte of the final reply, data 1 s later."""
    sess.send_raw(b'150 Opening BINARY mode data connection.\r\n2')
    time.sleep(1.0)

    def run():
        ds = sess.connect_data()
        if ds is None:
            return
        xsend(ds, sess.scen.content, sess.halt)
        fin_close(ds)
        sess.log('* data closed')
        sess.send_raw(b'26 Transfer complete.\r\n')
    sess.start_thread(run)


def t_stall100k(sess, ds, content):
    xsend(ds, content[:100000], sess.halt)
    sess.log('* 100000 bytes sent, now stalling with everything open')


def g_maxline(split, length):
    """A greeting line of @length bytes before CRLF, its LF sent @split."""
    def f(sess):
        line = b'220 ' + b'x' * (length - 4)
        if split:
            sess.send_raw(line + b'\r')
            time.sleep(0.5)
            sess.send_raw(b'\n')
        else:
            sess.send_raw(line + CRLF)
        return True
    return f


def nft(*args):
    subprocess.run(['nft'] + list(args), check=True, capture_output=True,
                   timeout=20)


BLACKHOLE_MARK = 0x6b667470    # "kftp"


def u_blackhole_prep(sess, arg):
    """At USER: an nft rule that drops what carries our mark.

    Starting nft takes seconds under TCG, longer than the client waits for
    221, so the rule is in place early and QUIT only marks the socket.
    """
    try:
        nft('add', 'table', 'inet', 'kftp_hostile')
        nft('add', 'chain', 'inet', 'kftp_hostile', 'out',
            '{ type filter hook output priority 0 ; }')
        nft('flush', 'chain', 'inet', 'kftp_hostile', 'out')
        nft('add', 'rule', 'inet', 'kftp_hostile', 'out', 'meta', 'mark',
            str(BLACKHOLE_MARK), 'drop')
        sess.log('* blackhole: rule ready')
    except Exception as e:   # the test sees the missing log line
        sess.log('* blackhole failed: %s' % e)
    return sess.cmd_USER(arg)


def q_blackhole(sess, arg):
    """At QUIT: from now on, all this socket sends is dropped.

    Our 221 and every ACK are lost, so the client's FIN, sent when it stops
    waiting for the 221 (1 s), must be retransmitted until it gives up.
    """
    sess.sock.setsockopt(socket.SOL_SOCKET, socket.SO_MARK, BLACKHOLE_MARK)
    sess.log('* blackhole: dropping all to %d' % sess.sock.getpeername()[1])
    sess.reply('221 Goodbye.')
    return 'quit'


# listings -------------------------------------------------------------------

# What LIST, NLST and MLSD serve unless a scenario has its own.
LISTINGS = {
    'LIST': b'-rw-r--r--    1 1000     1000           34 Dec 04 10:15 main.bin\r\n'
            b'drwxr-xr-x    2 1000     1000         4096 Jan 01  2025 sub\r\n',
    'NLST': b'main.bin\r\nsub\r\n',
    'MLSD': b'type=cdir;modify=20261204101500; /\r\n'
            b'type=file;size=34;modify=20261204101500; main.bin\r\n'
            b'type=dir;modify=20250101000000; sub\r\n',
}

# Names a client must not take as local file names, one MLSD line each.
HOSTILE_NAMES = [b'../x', b'/etc/x', b'a/b', b'..', b'.', b'cr\rname',
                 b'nul\x00name', b'esc\x1b[2Jname', b'x' * 300]
HOSTILE_MLSD = (b'type=file;size=2;modify=20261204101500; ok.txt\r\n' +
                b''.join(b'type=file;size=1;modify=20261204101500; ' + n +
                         b'\r\n' for n in HOSTILE_NAMES) +
                b'type=OS.unix=symlink;modify=20261204101500; root\r\n'
                b'type=dir;modify=20261204101500; d\r\n')
HOSTILE_NLST = b'ok.txt\r\n' + b''.join(n + b'\r\n' for n in HOSTILE_NAMES)


# digests (HASH, XSHA256), as proftpd's mod_digest answers them -------------

def feat(*extra):
    """FEAT listing the usual features and @extra."""
    def f(sess, arg):
        sess.reply('211-Features:', ' EPRT', ' SIZE', ' REST STREAM', *extra,
                   '211 End')
    return f


def h_hash(algo='SHA-256', digest=None, end=None, hexdigits=None):
    """HASH: "213-Computing", then "213 ALGO 0-END HEX NAME". @digest: of
    which bytes (default the file); @end: the range's end (default its
    size); @hexdigits replaces the hex outright. With SHA-1 selected by
    FEAT and no OPTS since, a SHA-1 digest, as a real server would."""
    def f(sess, arg):
        c = sess.scen.content
        name, fn = algo, hashlib.sha256
        if getattr(sess, 'hash_algo', None) == 'SHA-1':
            name, fn = 'SHA-1', hashlib.sha1
        if name == 'MD5':
            fn = hashlib.md5
        hx = hexdigits or fn(c if digest is None else digest).hexdigest()
        sess.reply('213-Computing %s digest' % name,
                   '213 %s 0-%d %s %s' % (name, len(c) if end is None else end,
                                         hx, arg))
    return f


def h_opts(sess, arg):
    """OPTS HASH ALGO selects the algorithm HASH answers with."""
    words = arg.upper().split()
    if len(words) == 2 and words[0] == 'HASH' and words[1] in ('SHA-256', 'SHA-1'):
        sess.hash_algo = words[1]
        sess.reply('200 %s' % words[1])
    else:
        sess.reply('501 Bad OPTS.')


def h_sha1_selected(sess, arg):
    """USER, after which HASH answers SHA-1 until OPTS says otherwise."""
    sess.hash_algo = 'SHA-1'
    sess.reply('331 Password required.')


def slowly(secs, f):
    """@f, after @secs seconds: a reply a stop can fall into."""
    def g(sess, arg):
        time.sleep(secs)
        return f(sess, arg)
    return g


def h_xsha256(sess, arg):
    """XSHA256: "250-Computing", then "250 HEX", uppercase."""
    sess.reply('250-Computing SHA256 digest',
               '250 ' + hashlib.sha256(sess.scen.content).hexdigest().upper())


# trees ----------------------------------------------------------------------
#
# A tree scenario serves a directory tree by path, for kftp-get -r: LIST,
# NLST and MLSD list the directory that their argument names, SIZE, MDTM and
# RETR serve the file, and what the tree does not have gets 550. kftp sends
# paths as the URL has them, relative to the login directory ("d/sub/");
# the tree is a function of the path without leading or trailing '/' and
# without '.' components ("d/sub"). The trees below are all under "d".

TREE_MTIME = '20230415101112'   # 1681553472 s since the epoch
MONTHS = 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split()


def tree_path(arg):
    return '/'.join(c for c in arg.split('/') if c not in ('', '.'))


class TFile:
    """A file of a tree: its bytes and MDTM time; @listed_size, when set,
    is the size its directory's listing says (a file that changed since)."""

    def __init__(self, content, mtime=TREE_MTIME, listed_size=None):
        self.content = content
        self.mtime = mtime
        self.listed_size = listed_size


class Listed:
    """An entry that a listing shows but the tree does not have: a link, a
    FIFO, a hostile name, a file or directory gone since it was listed."""

    def __init__(self, kind, size=1, target=b'', mtime=TREE_MTIME):
        self.kind = kind            # 'file', 'dir', 'link' or 'fifo'
        self.size = size
        self.target = target        # of a link
        self.mtime = mtime


def list_date(mtime):
    """LIST's date of an old file, "Apr 15  2023" (a day's precision)."""
    return '%s %2d  %s' % (MONTHS[int(mtime[4:6]) - 1], int(mtime[6:8]),
                           mtime[:4])


class TDir:
    """A directory of a tree: its entries in listing order, each (name
    bytes, kind, size, mtime, link target), in the form asked for."""

    def __init__(self, entries):
        self.entries = entries

    def listing(self, verb):
        out = []
        if verb == 'MLSD':
            out.append(b'type=cdir;modify=%s; .' % TREE_MTIME.encode())
        elif verb == 'LIST':
            out.append(b'total %d' % (4 * len(self.entries)))
        for name, kind, size, mtime, target in self.entries:
            m = mtime.encode()
            if verb == 'NLST':
                out.append(name)
            elif verb == 'MLSD':
                fact = {'file': b'file;size=%d' % size, 'dir': b'dir',
                        'link': b'OS.unix=slink:' + target,
                        'fifo': b'OS.unix=fifo'}[kind]
                out.append(b'type=%s;modify=%s; %s' % (fact, m, name))
            else:
                mode = {'file': b'-rw-r--r--', 'dir': b'drwxr-xr-x',
                        'link': b'lrwxrwxrwx', 'fifo': b'prw-r--r--'}[kind]
                out.append(b'%s    1 1000     1000     %8d %s %s%s' % (
                    mode, len(target) if kind == 'link' else size,
                    list_date(mtime).encode(), name,
                    b' -> ' + target if kind == 'link' else b''))
        return b''.join(line + CRLF for line in out)


def tree_of(spec, top='d'):
    """{path: TDir or TFile} of a nested spec {name: value}: a name is str
    or bytes; a value is bytes or a TFile (a file), a dict (a directory) or
    a Listed (only listed)."""
    paths = {}

    def walk(path, d):
        entries = []
        for name, v in d.items():
            bname = name if isinstance(name, bytes) else name.encode()
            sub = path + '/' + bname.decode('latin-1')
            if isinstance(v, dict):
                walk(sub, v)
                entries.append((bname, 'dir', 4096, TREE_MTIME, b''))
            elif isinstance(v, Listed):
                entries.append((bname, v.kind, v.size, v.mtime, v.target))
            else:
                f = v if isinstance(v, TFile) else TFile(v)
                paths[sub] = f
                entries.append((bname, 'file', len(f.content)
                                if f.listed_size is None else f.listed_size,
                                f.mtime, b''))
        paths[path] = TDir(entries)
    walk(top, spec)
    return paths


def hostile_tree(extra):
    """Two good files (good.txt, gooddir/inner.txt) among the names of
    HOSTILE_NAMES, a link "evil -> /", a name in gooddir that climbs two
    levels up, and the @extra entries."""
    spec = {'good.txt': b'good file\n'}
    spec.update((n, Listed('file')) for n in HOSTILE_NAMES)
    spec['evil'] = Listed('link', target=b'/')
    spec.update(extra)
    spec['gooddir'] = {b'../../y': Listed('file'),
                       'inner.txt': b'inner file\n'}
    return tree_of(spec)


def loop_tree(path):
    """d, d/loop, d/loop/loop, ...: every one lists a directory "loop"."""
    parts = path.split('/')
    if parts[0] != 'd' or any(p != 'loop' for p in parts[1:]):
        return None
    return TDir([(b'loop', 'dir', 4096, TREE_MTIME, b'')])


MLST_FEAT = feat(' MLST type*;size*;modify*;')
TREES = {
    'mirrorhostile': hostile_tree({}),
    'mirrorhostilelist': hostile_tree({'fifo': Listed('fifo', size=0)}),
    'mirrorchange': tree_of({
        'a.txt': TFile(b'file a, first\n', '20230101000001'),
        'gone.txt': Listed('file', size=5),
        'gonedir': Listed('dir'),
        'changed.bin': TFile(b'twenty bytes, now!!\n', listed_size=10),
        'sub': {'s.txt': TFile(b'file s\n', '20230101000002')}}),
    'mirrorchange2': tree_of({
        'a.txt': TFile(b'file a, second version\n', '20240102030405'),
        'new.txt': TFile(b'a new file\n', '20240102030406')}),
    'mirrorswap': tree_of({
        'a.bin': MAIN,
        'sub2': {'x.txt': b'file x\n', 'y.txt': b'file y\n'}}),
}


# the table ------------------------------------------------------------------

scen('normal', 'vsftpd-like: connects after RETR, 150, data, close, 226')
scen('pyftpd', 'pyftpdlib-like: connects at PORT time, 125 to RETR',
     style='pyftpd')
scen('small', 'a 1000-byte file: data, close and 226 come at once',
     content=MAIN[:1000])
scen('empty', 'an empty file: SIZE 0, the data connection just closes',
     content=b'')
scen('silence', 'accepts, then never says a word', greet=g_silence)
scen('greet421', '421 as the greeting, then closes', greet=g_421)
scen('eofgreet', 'closes at once (FIN), no greeting', greet=g_eof)
scen('rstgreet', 'resets (SO_LINGER 0) after 0.2 s, no greeting', greet=g_rst)
scen('longline', 'a 64 KiB greeting line without CRLF, then silence',
     greet=g_longline)
scen('endless', 'an endless multi-line greeting, as fast as possible',
     greet=g_endless)
scen('badcode2', 'greeting code of two digits: "22 Ready"',
     greet=g_raw(b'22 Ready\r\n'))
scen('badcodex', 'greeting code with a letter: "2x0 Ready"',
     greet=g_raw(b'2x0 Ready\r\n'))
scen('badcode4', 'greeting code of four digits: "2200 Ready"',
     greet=g_raw(b'2200 Ready\r\n'))
scen('greetmulti', 'multi-line greeting whose inner lines start with '
     'digits ("123 x", "230 ...", "220-"), then a normal download',
     greet=g_multi)
scen('greetslow', 'greeting in one-byte TCP segments, then a normal '
     'download', greet=g_slow, nodelay=True)
scen('allslow', 'every reply in one-byte TCP segments', greet=g_allslow,
     nodelay=True)
scen('bigbanner', 'a 100-line greeting of 300-byte lines that start with '
     'digits', greet=g_bigbanner)
scen('dripreply', 'a multi-line greeting that never ends, one line every '
     '0.5 s', greet=g_drip)
scen('lfonly', 'every reply line ends in LF without CR', greet=g_lfonly)
scen('greet120', '120 then 220 (RFC 959 allows it), then a normal download',
     greet=g_120)
scen('user421', '421 to USER, then closes',
     on={'USER': reply_then('421 hostile: too many users, bye.', 'close')})
scen('pass530', '530 to PASS', on={'PASS': '530 Login incorrect.'})
scen('acct332', '332 to PASS (account required)',
     on={'PASS': '332 Need account for login.'})
scen('wrong1xx', 'a 150 preliminary reply to TYPE I, then 200',
     on={'TYPE': '150 hostile: preliminary reply to TYPE\r\n'
                 '200 Switching to Binary mode.'})
scen('size550', '550 to SIZE and to RETR (a missing file)',
     on={'SIZE': '550 Could not get file size.',
         'RETR': '550 Failed to open file.'})
scen('size550only', '550 to SIZE, but RETR works',
     on={'SIZE': '550 Could not get file size.'})
scen('sizehuge', 'SIZE answers 213 with a 30-digit number',
     on={'SIZE': '213 999999999999999999999999999999'})
scen('nopipe', 'one recv per command: a command that came in the same '
     'read as the one before (pipelined) is dropped, never answered',
     nopipe=True)
scen('nosize', '502 to SIZE, otherwise normal',
     on={'SIZE': '502 SIZE not implemented.'})
scen('port500', '500 to PORT and EPRT',
     on={'PORT': '500 Illegal PORT command.',
         'EPRT': '500 Illegal EPRT command.'})
scen('port501', '501 to PORT and EPRT',
     on={'PORT': '501 Rejected data connection to foreign address.',
         'EPRT': '501 Rejected data connection to foreign address.'})
scen('retr425', '425 to RETR',
     on={'RETR': "425 Can't open data connection."})
scen('retr426', '426 to RETR, no 1xx',
     on={'RETR': '426 Connection closed; transfer aborted.'})
scen('retr550', '550 to RETR', on={'RETR': '550 Failed to open file.'})
scen('multi550', 'a multi-line 550 to RETR',
     on={'RETR': '550-hostile: file unavailable\r\n'
                 ' 550 indented inner line\r\n'
                 '550 Failed to open file.'})
scen('ctrlchars', '550 to RETR full of terminal escapes, BEL and NUL',
     on={'RETR': b'550 evil\x1b[2J\x1b]0;pwned\x07 text\x00 end\x08.'})
scen('nevercon', '150 to RETR, then never connects', retr=r_nevercon)
scen('retr150_451', '150 to RETR, then 451 without connecting',
     retr=r_150_451)
scen('ctlclose', '150 to RETR, then closes the control connection',
     retr=r_ctlclose)
scen('wrongaddr', 'the data connection comes only from 127.0.0.2 (it sends '
     'the whole file, then the control stays silent)', retr=r_wrongaddr)
scen('thief', 'after RETR a thief connects from 127.0.0.2 and writes, then '
     'the real data connection from 127.0.0.1 sends the file',
     thief='retr')
scen('thieves', 'after RETR 8 thieves from 127.0.0.2-9 connect and write, '
     'then the real data connection sends the file', thief='retr',
     thieves=8)
scen('thiefflood', 'after RETR a wrong-address connection every 0.1 s for '
     '10 s, never the real one', retr=r_thiefflood)
scen('thiefport', 'pyftpdlib-like, at PORT time a thief connects from '
     '127.0.0.2 and writes, then the real one', style='pyftpd',
     thief='port')
scen('earlyclose', 'data closed after half the file, then 426',
     transfer=t_earlyclose)
scen('no226', 'data complete and closed, then no 226, ever',
     transfer=t_no226)
scen('closeafter226', '226, then the control connection closes at once',
     transfer=t_close_after_226)
scen('retr250', '250 instead of 226 at the end', transfer=t_250)
scen('databefore150', 'data connection made, sent and closed before the '
     '150 reply to RETR, then 150 and 226', retr=r_databefore150)
scen('early226', '226 sent after 40% of the data, then the rest',
     transfer=t_early226)
scen('trickle', '6 bytes, one per second', content=TRICKLE,
     transfer=t_trickle)
scen('reset', 'TCP reset of the data connection mid-transfer, control '
     'silent', transfer=t_reset)
scen('reset426', 'TCP reset of the data connection mid-transfer, then 426',
     transfer=t_reset426)
scen('oversize', 'sends 4096 bytes more than SIZE said, then 226',
     content=MAIN + THIEF[:4096], size=len(MAIN))
scen('undersize', 'sends half of what SIZE said, then 226',
     content=half(MAIN), size=len(MAIN))
scen('stall', 'sends half the file, then nothing, everything left open',
     transfer=t_stall)
scen('vanish', 'mid-transfer the session closes data and control, no '
     'reply', transfer=t_vanish)
scen('vanishkill', 'the session runs in a child process that SIGKILLs '
     'itself mid-transfer', transfer=t_vanishkill, fork=True)
scen('flood', '1 GiB (SIZE says so) at full speed', transfer=t_flood,
     content=b'', size=FLOOD_SIZE)
scen('partial150', '"150 ...\\r\\n2" (the first byte of the 226), the data '
     'connection 1 s later, then "26 ..."', retr=r_partial150)
scen('stall100k', 'sends 100,000 bytes, then nothing, everything left open',
     transfer=t_stall100k)
scen('bare213', 'TYPE answered "200 1234", SIZE a bare "213"',
     on={'TYPE': '200 1234', 'SIZE': '213'})
scen('maxline', 'a greeting line of 2047 bytes (the longest allowed) whose '
     'LF comes 0.5 s after the rest', greet=g_maxline(True, 2047))
scen('maxlinewhole', 'a greeting line of 2047 bytes in one piece',
     greet=g_maxline(False, 2047))
scen('overlinesplit', 'a greeting line of 2048 bytes (one too many) whose '
     'LF comes 0.5 s after the rest', greet=g_maxline(True, 2048))
scen('quitblackhole', 'normal, but at QUIT nft starts dropping all that the '
     'server sends to this client: 221 and ACKs', on={'USER': u_blackhole_prep,
                                                     'QUIT': q_blackhole})
scen('slowstream', '1 GiB at about 800 KiB/s', transfer=t_slowstream,
     content=b'', size=FLOOD_SIZE)
scen('throttle40m', '40 MiB at about 10 MB/s, REST honoured',
     transfer=t_throttle, content=b'', size=BIG_SIZE)
scen('idle421', 'normal; 1 s idle after a transfer: 421, then close',
     transfer=t_then_idle('421 Timeout.'))
scen('idleeof', 'normal; 1 s idle after a transfer: close, no reply',
     transfer=t_then_idle(None))
def type_504_second(sess, arg):
    """The second TYPE of a connection is refused, the others taken."""
    sess.types = getattr(sess, 'types', 0) + 1
    sess.reply('504 hostile: not this TYPE now.' if sess.types == 2 else
               '200 Switching to Binary mode.')


scen('type504second', 'normal, but 504 to the second TYPE of a connection',
     on={'TYPE': type_504_second})


def port_500_second(sess, arg):
    """The second PORT of a connection is refused, the others taken."""
    sess.ports = getattr(sess, 'ports', 0) + 1
    if sess.ports == 2:
        sess.reply('500 hostile: not this PORT now.')
        return None
    return sess.cmd_PORT(arg)


scen('port500second', 'normal, but 500 to the second PORT of a connection',
     on={'PORT': port_500_second})


def port_late_second(sess, arg):
    """The second PORT of a connection is answered only after the RETR
    behind it has its 150, as pyftpdlib does (it connects first)."""
    sess.ports = getattr(sess, 'ports', 0) + 1
    if sess.ports != 2:
        return sess.cmd_PORT(arg)
    f = [int(x) for x in arg.split(',')]
    sess.set_target('%d.%d.%d.%d' % tuple(f[:4]), f[4] * 256 + f[5])
    sess.port_late = True
    return None


def retr_port_late(slow):
    """RETR as usual; after a late PORT, its 150 and then PORT's 200: in
    one send, or (@slow) 3.5 s apart, a client waiting there with RETR's
    1xx read and PORT's reply owed. Slow, it logs "* slow PORT, after
    RETR's 150" half a second into the wait, time enough for a client to
    have read that 150."""
    def f(sess, arg):
        if not getattr(sess, 'port_late', False):
            return sess.cmd_RETR(arg)
        sess.port_late = False
        sess.offset, sess.rest = sess.rest, 0
        sess.payload = None
        if not slow:
            return sess.data_phase(opening(sess, arg) +
                                   '\r\n200 PORT command successful (late).')
        sess.reply(opening(sess, arg))
        time.sleep(0.5)
        sess.log("* slow PORT, after RETR's 150")
        time.sleep(3)
        return sess.data_phase('200 PORT command successful (late, slow).')
    return f


scen('portlate', 'normal, but the second PORT of a connection is answered '
     'after the 150 of the RETR sent behind it',
     on={'PORT': port_late_second, 'RETR': retr_port_late(False)})
scen('portlateslow', 'normal, but the second PORT of a connection is '
     'answered 3.5 s after the 150 of the RETR sent behind it',
     on={'PORT': port_late_second, 'RETR': retr_port_late(True)})


def port_slow_second(sess, arg):
    """The second PORT of a connection is answered 3 s late: a client
    that sent RETR behind it waits there with RETR's reply owed. Logs
    "* RETR queued behind slow PORT" when a RETR has come by then."""
    sess.ports = getattr(sess, 'ports', 0) + 1
    if sess.ports == 2:
        sess.log('* slow PORT')
        time.sleep(3)
        behind = sess.unread
        if select.select([sess.sock], [], [], 0)[0]:
            try:
                behind += sess.sock.recv(4096, socket.MSG_PEEK)
            except OSError:
                pass
        if behind.upper().startswith(b'RETR '):
            sess.log('* RETR queued behind slow PORT')
    return sess.cmd_PORT(arg)


scen('portslow', 'normal, but the second PORT of a connection is answered '
     'after 3 s', on={'PORT': port_slow_second})
scen('rest502', '502 to REST', on={'REST': '502 REST not implemented.'})
scen('rest350retr550', '350 to REST, then 550 to RETR',
     on={'RETR': '550 Failed to open file.'})
scen('mlsd', 'FEAT offers MLST: a listing client sends MLSD',
     on={'FEAT': feat(' MLST type*;size*;modify*;')})
scen('listhostile', 'MLSD and NLST with names that are not file names '
     '(../x, /etc/x, a/b, CR, NUL, ESC, 300 bytes), and a symlink',
     on={'FEAT': feat(' MLST type*;size*;modify*;')},
     listing={'MLSD': HOSTILE_MLSD, 'NLST': HOSTILE_NLST,
              'LIST': LISTINGS['LIST']})
scen('listendless', 'a listing that never ends (1 MiB blocks, no 226)',
     transfer=t_flood, size=1 << 40)
scen('list550', '550 to LIST, NLST and MLSD',
     on={'LIST': '550 Failed to open directory.',
         'NLST': '550 Failed to open directory.',
         'MLSD': '550 Failed to open directory.'})
scen('mlsd500', 'FEAT offers MLST, but MLSD is refused with 500',
     on={'FEAT': feat(' MLST type*;size*;'), 'MLSD': '500 Unknown command.'})
scen('hash', 'FEAT offers HASH (SHA-256 selected) and XSHA256; HASH '
     'answers as proftpd does', on={'FEAT': feat(' HASH SHA-256*;SHA-1;MD5',
                                                 ' XSHA256'),
                                    'HASH': h_hash()})
scen('hashopts', 'FEAT offers HASH with SHA-1 selected: SHA-256 needs '
     'OPTS HASH SHA-256', on={'FEAT': feat(' HASH SHA-1*;SHA-256'),
                              'USER': h_sha1_selected, 'OPTS': h_opts,
                              'HASH': h_hash()})
scen('xsha256', 'FEAT offers XSHA256 only, answered in uppercase hex',
     on={'FEAT': feat(' XSHA256'), 'XSHA256': h_xsha256})
scen('hashwrong', 'HASH answers the SHA-256 of other bytes',
     on={'FEAT': feat(' HASH SHA-256*'), 'HASH': h_hash(digest=THIEF)})
scen('hashbad', 'HASH answers 64 characters that are not hex',
     on={'FEAT': feat(' HASH SHA-256*'), 'HASH': h_hash(hexdigits='z' * 64)})
scen('hashmd5', 'HASH answers an MD5 digest',
     on={'FEAT': feat(' HASH SHA-256*;MD5'), 'HASH': h_hash(algo='MD5')})
scen('hashrange', 'HASH answers the digest of the first 1000 bytes only',
     on={'FEAT': feat(' HASH SHA-256*'),
         'HASH': h_hash(digest=MAIN[:1000], end=1000)})
scen('hashoptsno', 'FEAT offers HASH with SHA-1 selected and XSHA256; '
     'OPTS HASH is refused, so XSHA256 it is',
     on={'FEAT': feat(' HASH SHA-1*;SHA-256', ' XSHA256'),
         'OPTS': '501 OPTS HASH not understood.', 'XSHA256': h_xsha256})
scen('opts150', 'FEAT offers HASH with SHA-1 selected; OPTS HASH answered '
     '150, a preliminary reply no client may take as the answer',
     on={'FEAT': feat(' HASH SHA-1*;SHA-256'), 'OPTS': '150 Thinking.'})
scen('hashslow', 'FEAT, OPTS HASH and HASH each answered after 1.5 s '
     '(SHA-1 selected)',
     on={'FEAT': slowly(1.5, feat(' HASH SHA-1*;SHA-256')),
         'USER': h_sha1_selected, 'OPTS': slowly(1.5, h_opts),
         'HASH': slowly(1.5, h_hash())})
scen('hash550', 'FEAT offers HASH; HASH is refused (550)',
     on={'FEAT': feat(' HASH SHA-256*'), 'HASH': '550 Permission denied.'})
scen('eprt522', '522 to EPRT (IPv4 only, as vsftpd without IPv6)',
     on={'EPRT': '522 Network protocol not supported, use (1)'})
scen('mirrorhostile', 'tree (MLSD): d/ lists good.txt, the hostile names of '
     'listhostile, a link "evil -> /" and gooddir/ (inner.txt and '
     '"../../y"); only good.txt and gooddir/inner.txt can be fetched',
     on={'FEAT': MLST_FEAT}, tree=TREES['mirrorhostile'].get)
scen('mirrorhostilelist', 'tree (LIST): mirrorhostile\'s, in LIST lines, '
     'and a FIFO', tree=TREES['mirrorhostilelist'].get)
scen('mirrorloop', 'tree (MLSD): d/ and every d/loop/.../ list a directory '
     '"loop": a tree without end', on={'FEAT': MLST_FEAT}, tree=loop_tree)
scen('mirrorchange', 'tree (MLSD): d/ lists a.txt, gone.txt (550 since), '
     'gonedir/ (550 since), changed.bin (listed 10 bytes, 20 now) and '
     'sub/s.txt', on={'FEAT': MLST_FEAT}, tree=TREES['mirrorchange'].get)
scen('mirrorchange2', 'tree (MLSD): mirrorchange\'s d/ later: a.txt '
     'rewritten (new size, new time), new.txt, nothing else',
     on={'FEAT': MLST_FEAT}, tree=TREES['mirrorchange2'].get)
scen('mirrorswap', 'tree (MLSD): d/ lists a.bin (main.bin\'s bytes) and '
     'sub2/ (x.txt, y.txt)', on={'FEAT': MLST_FEAT},
     tree=TREES['mirrorswap'].get)


# -------------------------------------------------------------------- holds
#
# A test holds a session at a step of the dialogue, acts on the client while
# it waits there, then lets the session go on or drops it. Commands come
# one a line through the --command FIFO:
#   hold STEP [N]  the next N sessions accepted (1 by default) stop at
#               STEP, once each; "hold connect" drops every SYN to our
#               listeners instead, until "release"
#   hold none   no session accepted from now on is held (held ones stay)
#   release     every held session goes on, and SYNs pass again
#   drop        every held session closes its data and control connections
#               (FIN), as a server that goes away
# Each command is logged "* command N: TEXT" once done. A session logs
# "* held STEP" when it stops there, then "* released STEP", or "* dropped
# at STEP", or "* held STEP: the client closed" when its client went away
# meanwhile (it then ends, as a server would, so that no socket of the
# client lingers in FIN_WAIT2 because of us). A session of a "fork"
# scenario runs in a child process, out of reach of these commands. The
# steps, in dialogue order:
HOLD_STEPS = {
    'connect': 'SYNs to the listeners are dropped (a socket filter): the '
               'client waits in connect',
    'greeting': 'accepted, the 220 not sent',
    'USER': 'before the reply to USER',
    'PASS': 'before the reply to PASS',
    'TYPE': 'before the reply to TYPE',
    'FEAT': 'before the reply to FEAT',
    'SIZE': 'before the reply to SIZE',
    'MDTM': 'before the reply to MDTM',
    'PORT': 'before the reply to PORT or EPRT',
    'send': 'after the reply to PORT or EPRT, the control connection is not '
            'read (with --ctl-rcvbuf, a long next command cannot be sent)',
    'REST': 'before the reply to REST',
    'RETR': 'before the reply to RETR',
    'LIST': 'before the reply to LIST',
    'MLSD': 'before the reply to MLSD (with a scenario that offers it)',
    'accept': 'after 150 to RETR, before connecting the data connection',
    'data': 'half of the file sent, the data connection open',
    '226': 'the data sent and closed, before the final reply',
    'HASH': 'before the reply to HASH (with a scenario that offers it)',
}
# The steps that the transfer thread holds (not the command reader).
XFER_STEPS = ('accept', 'data', '226')
TCP_GONE_STATES = (7, 8, 9)     # TCP_CLOSE, TCP_CLOSE_WAIT, TCP_LAST_ACK
SO_ATTACH_FILTER, SO_DETACH_FILTER = 26, 27
# One classic BPF instruction, BPF_RET|BPF_K 0: drop every packet. A socket
# filter on a listener sees the SYNs (tcp_v4_rcv runs it before the listen
# state), so connects wait in SYN_SENT, retransmitting, until it goes.
DROP_ALL = ctypes.create_string_buffer(struct.pack('=HBBI', 0x06, 0, 0, 0), 8)


def set_gate(sock, closed):
    """Drop (closed) or let through every packet to the listener @sock."""
    if closed:
        prog = struct.pack('=HxxxxxxQ', 1, ctypes.addressof(DROP_ALL))
        sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, prog)
    else:
        sock.setsockopt(socket.SOL_SOCKET, SO_DETACH_FILTER, 0)


# ------------------------------------------------------------------ session

class Session:
    def __init__(self, srv, sock, cid, scenario):
        self.srv = srv
        self.sock = sock
        self.cid = cid
        self.by_user = scenario is None
        self.scen = scenario or SCEN['normal']
        self.wlock = threading.Lock()
        self.gone = threading.Event()   # control connection finished
        self.halt = threading.Event()   # stop any transfer (gone/ABOR/QUIT)
        self.mute = False               # log commands, never answer
        self.slow = 0.0                 # seconds between reply bytes
        self.eol = CRLF                 # what ends a reply line
        self.target = None              # (host, port) from PORT/EPRT
        self.predata = None             # pyftpd style: connected at PORT
        self.dsocks = []
        self.rest = 0                   # REST offset for the next RETR
        self.offset = 0                 # that of the transfer under way
        self.payload = None             # a listing's bytes, else content
        self.ncmds = 0                  # commands received so far
        self.unread = b''               # what came behind that command
        self.threads = []
        self.local = sock.getsockname()[0]
        self.hold = srv.take_hold()     # step to stop at once, or None
        self.go = threading.Event()     # a held session may go on
        self.dropping = False           # ... to drop its connections

    # -- holds (see HOLD_STEPS)
    def peer_closed(self):
        try:
            info = self.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO,
                                        8)
        except OSError:
            return True
        return info[0] in TCP_GONE_STATES

    def hold_point(self, step):
        """Stop here if this session holds at @step, until released or
        dropped; Gone when dropped or when the client went away."""
        if self.hold != step:
            return
        self.hold = None
        self.srv.hold_enter(self)
        self.log('* held %s' % step)
        try:
            while not self.go.wait(0.1):
                if self.gone.is_set() or (step in XFER_STEPS and
                                          self.halt.is_set()):
                    raise Gone('session over while held at %s' % step)
                if self.peer_closed():
                    self.log('* held %s: the client closed' % step)
                    raise Gone('the client closed while held at %s' % step)
        finally:
            self.srv.hold_leave(self)
        if not self.dropping:
            self.log('* released %s' % step)
            return
        self.log('* dropped at %s' % step)
        for ds in self.dsocks + [self.predata]:
            if ds is not None:
                fin_close(ds)
        self.close_control()
        raise Gone('dropped at %s' % step)

    def log(self, msg):
        self.srv.log(self.cid, self.scen.name, msg)

    # -- control output
    def send_raw(self, data):
        self.log('> ' + printable(data[:200])
                 + (' ...(%d bytes)' % len(data) if len(data) > 200 else ''))
        with self.wlock:
            if self.slow:
                for i in range(len(data)):
                    xsend(self.sock, data[i:i + 1], self.gone)
                    time.sleep(self.slow)
            else:
                xsend(self.sock, data, self.gone)

    def reply(self, *lines):
        out = []
        for line in lines:
            if isinstance(line, str):
                line = line.encode('latin-1')
            out.extend(line.split(CRLF))
        for line in out:
            self.log('> ' + printable(line))
        data = b''.join(line + self.eol for line in out)
        with self.wlock:
            if self.slow:
                for i in range(len(data)):
                    xsend(self.sock, data[i:i + 1], self.gone)
                    time.sleep(self.slow)
            else:
                xsend(self.sock, data, self.gone)

    def close_control(self, rst=False):
        self.log('* closing control connection' + (' (reset)' if rst else ''))
        self.halt.set()
        if rst:
            try:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                     struct.pack('ii', 1, 0))
            except OSError:
                pass
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        if rst:
            self.sock.close()   # the reader thread sees EBADF and ends

    # -- data connections
    def connect_data(self, src=None, what='data'):
        if self.target is None:
            self.log('* no PORT/EPRT target')
            return None
        src = src or self.local
        try:
            ds = socket.create_connection(self.target, timeout=5,
                                          source_address=(src, 0))
        except OSError as e:
            self.log('* %s connect from %s to %s:%d failed: %s'
                     % (what, src, self.target[0], self.target[1], e))
            return None
        self.dsocks.append(ds)
        self.log('* %s connection %s:%d -> %s:%d' % (
            what, *ds.getsockname()[:2], *ds.getpeername()[:2]))
        return ds

    def thief_then_real(self):
        for i in range(self.scen.thieves):
            src = '127.0.0.%d' % (2 + i)
            ts = self.connect_data(src=src, what='thief')
            if ts is None:
                continue
            try:
                xsend(ts, THIEF, self.halt, limit=2)
                self.log('* thief wrote %d bytes' % len(THIEF))
            except Gone as e:
                self.log('* thief: %s' % e)
        time.sleep(0.3)
        return self.connect_data()

    def start_thread(self, fn, *args):
        def wrap():
            try:
                fn(*args)
            except Gone as e:
                self.log('* thread ended: %s' % e)
            except Exception:
                self.log('* EXCEPTION ' + traceback.format_exc()
                         .replace('\n', ' | '))
        t = threading.Thread(target=wrap, daemon=True)
        self.threads.append(t)
        t.start()
        return t

    def xfer(self, ds):
        try:
            if ds is None:
                self.hold_point('accept')
                ds = self.thief_then_real() if self.scen.thief == 'retr' \
                    else self.connect_data()
            if ds is None:
                self.reply("425 Can't open data connection.")
                return
            (self.scen.transfer or t_normal)(
                self, ds, self.scen.content[self.offset:]
                if self.payload is None else self.payload)
        except Gone as e:
            self.log('* transfer stopped: %s' % e)
            if ds is not None:
                rst_close(ds)

    # -- commands
    def cmd_USER(self, arg):
        self.reply('331 Please specify the password.')

    def cmd_PASS(self, arg):
        self.reply('230 Login successful.')

    def cmd_TYPE(self, arg):
        self.reply('200 Switching to Binary mode.' if arg.upper()
                   .startswith('I') else '200 Switching to ASCII mode.')

    def cmd_SIZE(self, arg):
        if self.scen.tree is not None:
            node = self.tree_node(arg)
            self.reply('213 %d' % len(node.content)
                       if isinstance(node, TFile)
                       else '550 Could not get file size.')
            return
        self.reply('213 %d' % self.scen.size)

    def cmd_MDTM(self, arg):
        if self.scen.tree is not None:
            node = self.tree_node(arg)
            self.reply('213 ' + node.mtime if isinstance(node, TFile)
                       else '550 Could not get file modification time.')
            return
        self.reply('213 ' + MDTM_TEXT)

    def cmd_REST(self, arg):
        try:
            self.rest = int(arg)
            if self.rest < 0:
                raise ValueError
        except ValueError:
            self.reply('501 Bad REST offset.')
            return
        self.reply('350 Restart position accepted (%d).' % self.rest)

    def cmd_MODE(self, arg):
        self.reply('200 Mode set to S.')

    def cmd_STRU(self, arg):
        self.reply('200 Structure set to F.')

    def cmd_NOOP(self, arg):
        self.reply('200 NOOP ok.')

    def cmd_SYST(self, arg):
        self.reply('215 UNIX Type: L8')

    def cmd_FEAT(self, arg):
        self.reply('211-Features:', ' EPRT', ' SIZE', ' REST STREAM',
                   '211 End')

    def cmd_PWD(self, arg):
        self.reply('257 "/" is the current directory')

    def cmd_CWD(self, arg):
        self.reply('250 Directory successfully changed.')

    def set_target(self, host, port):
        self.target = (host, port)
        self.log('* data target %s port %d' % (host, port))
        if self.scen.style != 'pyftpd':
            return True
        if self.predata is not None:
            rst_close(self.predata)
        self.predata = self.thief_then_real() \
            if self.scen.thief == 'port' else self.connect_data()
        return self.predata is not None

    def cmd_PORT(self, arg):
        try:
            f = [int(x) for x in arg.split(',')]
            if len(f) != 6 or any(not 0 <= x <= 255 for x in f):
                raise ValueError
        except ValueError:
            self.reply('501 Illegal PORT command.')
            return
        ok = self.set_target('%d.%d.%d.%d' % tuple(f[:4]), f[4] * 256 + f[5])
        self.reply('200 PORT command successful. Consider using PASV.' if ok
                   else "425 Can't connect to specified address.")
        self.hold_point('send')

    def cmd_EPRT(self, arg):
        try:
            d = arg[0]
            _, proto, host, port, _ = arg.split(d)
            if proto not in ('1', '2'):
                self.reply('522 Network protocol not supported, use (1,2)')
                return
            port = int(port)
        except (IndexError, ValueError):
            self.reply('501 Illegal EPRT command.')
            return
        ok = self.set_target(host, port)
        self.reply('200 EPRT command successful. Consider using EPSV.' if ok
                   else "425 Can't connect to specified address.")
        self.hold_point('send')

    def tree_node(self, arg):
        """What a tree scenario has at the path @arg, or None."""
        node = self.scen.tree(tree_path(arg))
        self.log('* tree: %s %s' % (printable(arg.encode('latin-1')),
                                    type(node).__name__))
        return node

    def tree_retr(self, arg):
        node = self.tree_node(arg)
        if not isinstance(node, TFile):
            self.reply('550 Failed to open file.')
            return None
        if self.offset > len(node.content):
            self.reply('554 Invalid REST parameter.')
            return None
        self.payload = node.content[self.offset:]
        return self.data_phase(
            '150 Opening BINARY mode data connection for %s (%d bytes).'
            % (arg[:200], len(node.content)))

    def cmd_RETR(self, arg):
        self.offset, self.rest = self.rest, 0
        self.payload = None
        if self.scen.tree is not None:
            return self.tree_retr(arg)
        if self.offset > self.scen.size:
            self.reply('554 Invalid REST parameter.')
            return None
        if self.scen.retr:
            return self.scen.retr(self, arg)
        return self.data_phase(opening(self, arg))

    def cmd_listing(self, verb, arg):
        """LIST, NLST, MLSD: the data phase of RETR, with the listing."""
        self.rest = self.offset = 0
        if self.scen.tree is not None:
            node = self.tree_node(arg)
            if not isinstance(node, TDir):
                self.reply('550 Failed to open directory.')
                return None
            self.payload = node.listing(verb)
        else:
            self.payload = (self.scen.listing or LISTINGS)[verb]
        return self.data_phase('150 Here comes the directory listing.')

    def data_phase(self, preliminary):
        """What RETR and the listings share: 125 on the connection made at
        PORT (pyftpd style), else @preliminary; then the transfer."""
        if self.scen.style == 'pyftpd':
            ds, self.predata = self.predata, None
            if ds is None:
                self.reply("425 Can't open data connection.")
                return
            self.reply('125 Data connection already open. '
                       'Transfer starting.')
        else:
            if self.target is None:
                self.reply('425 Use PORT or PASV first.')
                return
            ds = None
            self.reply(preliminary)
        self.halt.clear()
        self.start_thread(self.xfer, ds)

    def cmd_LIST(self, arg):
        return self.cmd_listing('LIST', arg)

    def cmd_NLST(self, arg):
        return self.cmd_listing('NLST', arg)

    def cmd_MLSD(self, arg):
        return self.cmd_listing('MLSD', arg)

    def cmd_ABOR(self, arg):
        busy = [t for t in self.threads if t.is_alive()]
        self.halt.set()
        for t in busy:
            t.join(2)
        if busy:
            self.reply('426 Connection closed; transfer aborted.',
                       '226 ABOR successful.')
        else:
            self.reply('225 No transfer to ABOR.')

    def cmd_QUIT(self, arg):
        self.halt.set()
        self.reply('221 Goodbye.')
        return 'quit'

    def handle(self, raw):
        self.log('< ' + printable(raw))
        self.ncmds += 1
        if self.mute:
            return None
        # ABOR may come after Telnet IP/Synch bytes: drop non-printables.
        line = raw.decode('latin-1').lstrip(''.join(map(chr, range(33))) +
                                            ''.join(map(chr, range(127, 256))))
        verb, _, arg = line.partition(' ')
        verb = verb.upper()
        self.hold_point('PORT' if verb == 'EPRT' else verb)
        if verb == 'USER' and self.by_user:
            new = SCEN.get(arg.strip().lower())
            if new is not None and not new.greet and not new.fork:
                self.scen = new
                self.log('* scenario chosen by USER')
        ov = self.scen.on.get(verb)
        if isinstance(ov, (str, bytes)):
            self.reply(ov)
            return None
        if ov is not None:
            return ov(self, arg)
        fn = getattr(self, 'cmd_' + verb, None)
        if fn is None:
            self.reply('500 Unknown command.')
            return None
        return fn(arg)

    def lines(self):
        buf = b''
        while True:
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                self.log('* control: session time limit')
                return
            except OSError as e:
                self.log('* control recv: %s' % e)
                return
            if not chunk:
                self.log('* control EOF from client')
                return
            buf += chunk
            while b'\n' in buf:
                line, buf = buf.split(b'\n', 1)
                self.unread = buf
                yield line.rstrip(b'\r')
                if buf and self.scen.nopipe:
                    self.log('* dropped pipelined: ' + printable(buf[:200]))
                    buf = b''
            if len(buf) > 8192:
                self.log('* overlong command line: ' + printable(buf[:80]))
                buf = b''
                if not self.mute:
                    self.reply('500 Command line too long.')

    def run(self):
        try:
            self.sock.settimeout(SESSION_LIMIT)
            if self.scen.nodelay:
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY,
                                     1)
            self.hold_point('greeting')
            go = (self.scen.greet or
                  (lambda s: s.reply('220 (hostile_ftpd %s)' % s.scen.name)
                   or True))(self)
            if go:
                for line in self.lines():
                    if self.handle(line) == 'quit':
                        break
        except Gone as e:
            self.log('* session: %s' % e)
        except Exception:
            self.log('* EXCEPTION ' + traceback.format_exc()
                     .replace('\n', ' | '))
        finally:
            self.gone.set()
            self.halt.set()
            for s in self.dsocks + [self.predata, self.sock]:
                if s is not None:
                    try:
                        s.close()
                    except OSError:
                        pass
            self.log('* session end')


# ------------------------------------------------------------------- server

class Server:
    def __init__(self, args, listeners=()):
        self.args = args
        self.lock = threading.Lock()
        self.t0 = time.monotonic()
        self.logfd = os.open(args.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND,
                             0o644) if args.log else 2
        self.cid = 0
        self.listeners = list(listeners)
        self.hold_lock = threading.Lock()
        self.hold_step = None           # for the sessions accepted next
        self.hold_count = 0             # ... that many of them
        self.held = set()               # the sessions held now
        self.gate_closed = False
        self.ncommands = 0

    # -- holds (see HOLD_STEPS)
    def take_hold(self):
        with self.hold_lock:
            if not self.hold_count:
                return None
            self.hold_count -= 1
            return self.hold_step

    def hold_enter(self, sess):
        with self.hold_lock:
            sess.go.clear()
            sess.dropping = False
            self.held.add(sess)

    def hold_leave(self, sess):
        with self.hold_lock:
            self.held.discard(sess)

    def gate(self, closed):
        for lsock in self.listeners:
            set_gate(lsock, closed)
        self.gate_closed = closed

    def command(self, text):
        """One line of the --command FIFO; the result for the log."""
        words = text.split()
        if len(words) in (2, 3) and words[0] == 'hold' and \
                (words[1] in HOLD_STEPS or words[1] == 'none') and \
                (len(words) == 2 or words[2].isdigit()):
            if words[1] == 'connect':
                self.gate(True)
                return 'ok'
            with self.hold_lock:
                self.hold_step = words[1]
                self.hold_count = 0 if words[1] == 'none' else \
                    int(words[2]) if len(words) == 3 else 1
            return 'ok'
        if words in (['release'], ['drop']):
            with self.hold_lock:
                held = list(self.held)
                self.held.clear()
                for sess in held:
                    sess.dropping = words[0] == 'drop'
                    sess.go.set()
            if self.gate_closed and words[0] == 'release':
                self.gate(False)
            return '%d held' % len(held)
        return 'error: unknown command'

    def command_loop(self, path):
        # O_RDWR: never EOF when a writer closes, and never a blocked writer.
        with open(os.open(path, os.O_RDWR), 'r', errors='replace') as f:
            for line in f:
                try:
                    res = self.command(line.strip())
                except Exception as e:
                    res = 'error: %s' % e
                self.ncommands += 1
                self.log(0, '-', '* command %d: %s: %s'
                         % (self.ncommands, line.strip(), res))

    def log(self, cid, name, msg):
        line = '%9.3f c%d %s %s\n' % (time.monotonic() - self.t0, cid, name,
                                      msg)
        with self.lock:
            os.write(self.logfd, line.encode('latin-1', 'replace'))

    def pick(self):
        """(scenario or None for "by USER", tag): the control file holds
        "SCENARIO [TAG]"; the tag only goes into the log, to find a case."""
        words = [self.args.scenario] if self.args.scenario else []
        if not words and self.args.control:
            try:
                with open(self.args.control) as f:
                    words = f.read().split()
            except OSError:
                pass
        name = words[0] if words else ''
        tag = ' '.join(words[1:2])
        if not name or name == 'byuser':
            return None, tag
        if name not in SCEN:
            self.log(0, '-', '* unknown scenario %r, using normal' % name)
            name = 'normal'
        return SCEN[name], tag

    def fork_session(self, conn, cid, sc, listeners):
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                signal.alarm(60)
                self.lock = threading.Lock()
                for lsock in listeners:
                    lsock.close()
                self.log(cid, sc.name, '* child process %d' % os.getpid())
                Session(self, conn, cid, sc).run()
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        conn.close()
        threading.Thread(target=os.waitpid, args=(pid, 0), daemon=True).start()

    def serve(self, listeners):
        while True:
            try:
                ready, _, _ = select.select(listeners, [], [])
            except InterruptedError:
                continue
            for lsock in ready:
                try:
                    conn, peer = lsock.accept()
                except OSError:
                    continue
                self.cid += 1
                sc, tag = self.pick()
                name = sc.name if sc else 'byuser'
                self.log(self.cid, name, '* accepted %s port %d%s'
                         % (peer[0], peer[1], ' case=' + tag if tag else ''))
                if sc is not None and sc.fork:
                    self.fork_session(conn, self.cid, sc, listeners)
                    continue
                s = Session(self, conn, self.cid, sc)
                threading.Thread(target=s.run, daemon=True).start()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--host', default='127.0.0.1')
    ap.add_argument('--host6', default='',
                    help='also listen on this IPv6 address, same port')
    ap.add_argument('--port', type=int, default=2121, help='0: any free one')
    ap.add_argument('--scenario', default='')
    ap.add_argument('--control', default='')
    ap.add_argument('--log', default='')
    ap.add_argument('--ready', default='')
    ap.add_argument('--datadir', default='')
    ap.add_argument('--command', default='',
                    help='FIFO of hold commands (created if missing)')
    ap.add_argument('--ctl-rcvbuf', type=int, default=0,
                    help='SO_RCVBUF of the control connections (listeners)')
    ap.add_argument('--list', action='store_true')
    args = ap.parse_args()

    if args.list:
        for s in SCEN.values():
            print('%-12s %s' % (s.name, s.desc))
        print('\nHold steps (--command "hold STEP"):')
        for step, desc in HOLD_STEPS.items():
            print('%-12s %s' % (step, desc))
        return 0
    if args.scenario and args.scenario not in SCEN:
        ap.error('unknown scenario %s (see --list)' % args.scenario)

    if args.datadir:
        os.makedirs(args.datadir, exist_ok=True)
        for name, data in (('main.bin', MAIN), ('trickle.bin', TRICKLE),
                           ('small.bin', MAIN[:1000]), ('empty.bin', b'')):
            with open(os.path.join(args.datadir, name), 'wb') as f:
                f.write(data)

    listeners = []
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if args.ctl_rcvbuf:
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, args.ctl_rcvbuf)
    ls.bind((args.host, args.port))
    ls.listen(64)
    listeners.append(ls)
    port = ls.getsockname()[1]
    if args.host6:
        l6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        l6.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        l6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        if args.ctl_rcvbuf:
            l6.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF,
                          args.ctl_rcvbuf)
        l6.bind((args.host6, port))
        l6.listen(64)
        listeners.append(l6)

    srv = Server(args, listeners)
    if args.command:
        if not os.path.exists(args.command):
            os.mkfifo(args.command, 0o600)
        threading.Thread(target=srv.command_loop, args=(args.command,),
                         daemon=True).start()
    srv.log(0, '-', '* listening on %s port %d%s, pid %d' % (
        args.host, port, ' and ' + args.host6 if args.host6 else '',
        os.getpid()))
    if args.ready:
        tmp = args.ready + '.tmp'
        with open(tmp, 'w') as f:
            f.write('%d\n' % port)
        os.rename(tmp, args.ready)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    try:
        srv.serve(listeners)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == '__main__':
    sys.exit(main())
