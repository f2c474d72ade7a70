#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""kftpreq.py - KFTP_IOC_GET requests straight from Python, for the tests
that need what kftp-get does not show: several requests on one open
/dev/kftp (a session), a forked child sharing it, a struct of an older
version, and the raw errno, failed step and reply of every call.

Usage: kftpreq.py [options] [USER[:PASS]@][PORT:]REMOTE=LOCAL...
       kftpreq.py --dump-until FILE [--dump-buf N]
Each REMOTE=LOCAL is one request on the same descriptor, in order, to
--host and --port, or to PORT on --host when given, with --user and
--password, or USER and PASS when given (REMOTE may then hold no "@").
One line per request on stdout:
    ok bytes=N size=S mtime=T code=C
    err=ENAME step=N code=C bytes=N text=...
Exit status: 0 if every request succeeded, 1 otherwise, 2 on bad usage.

--dump-until FILE lists the running transfers (the dump of the kftp generic
netlink family) again and again until FILE exists, one line per dump:
    dump T0 T1 ID...
T0 and T1 the monotonic nanoseconds before the request and after the last
message, the ids in the order the kernel sent them. --dump-buf is the
receive buffer (default 4096): netlink fills each message batch of a dump
up to about that size (or what the module asks for, if more), so a small
one makes a dump of a few transfers span several batches, as a dump of
many does. A datagram larger than the buffer is read whole all the same.
"""

import argparse
import errno
import fcntl
import os
import socket
import struct
import sys
import time

KFTP_IOC_GET = 0xF701           # _IO(0xF7, 0x01)
SIZE_VER0, SIZE_VER1, SIZE_VER2 = 9296, 9304, 9352
F_EXCL, F_DEST_FD, F_REMOTE_TIME = 1, 2, 4
# Little-endian, no padding: the uapi struct has none (9352 bytes).
LAYOUT = struct.Struct('<IIHHI16sIIIIQ256s256s4096s4096s'
                       'QQII512s'               # result
                       'iI'                     # version 1
                       'QqIHHHH16sI')           # version 2
assert LAYOUT.size == SIZE_VER2
RESULT_OFF = 8760
MTIME_OFF = 9312
STEPS = ['NONE', 'CONNECT', 'GREETING', 'LOGIN', 'TYPE', 'SIZE', 'LISTEN',
         'PORT', 'RETR', 'ACCEPT', 'DATA', 'LOCAL_FILE', 'COMPLETE', 'MDTM',
         'REST', 'FEAT', 'HASH']


def addr_of(host):
    """(family, 16 address bytes) of an IP literal."""
    try:
        return socket.AF_INET, socket.inet_pton(socket.AF_INET, host)
    except OSError:
        return socket.AF_INET6, socket.inet_pton(socket.AF_INET6, host)


def request(host, port, remote, local='', user='', password='', dest_fd=-1,
            flags=0, resume=0, size=SIZE_VER2, max_filesize=0, max_time_ms=0,
            data_host='', port_low=0, port_high=0, timeout_ms=10000):
    family, addr = addr_of(host)
    data_family, data_addr = addr_of(data_host) if data_host else (0, b'')
    if dest_fd >= 0:
        flags |= F_DEST_FD
    buf = bytearray(LAYOUT.pack(
        size, flags, family, port, 0, addr.ljust(16, b'\0'),
        timeout_ms, timeout_ms, timeout_ms, timeout_ms, resume,
        user.encode(), password.encode(), remote.encode('latin-1'),
        local.encode(), 0, 0, 0, 0, b'',
        max(dest_fd, 0), 0,
        max_filesize, 0, max_time_ms, data_family, 0, port_low, port_high,
        data_addr.ljust(16, b'\0'), 0))
    return buf[:max(size, SIZE_VER0)]


def call(fd, buf):
    """One ioctl: (0 or errno, result dict)."""
    try:
        fcntl.ioctl(fd, KFTP_IOC_GET, buf, True)
        err = 0
    except OSError as e:
        err = e.errno
    written, rsize, code, step = struct.unpack_from('<QQII', buf, RESULT_OFF)
    text = bytes(buf[RESULT_OFF + 24:RESULT_OFF + 536]).split(b'\0')[0]
    mtime = struct.unpack_from('<q', buf, MTIME_OFF)[0] \
        if len(buf) >= SIZE_VER2 else None
    return err, dict(bytes=written, size=rsize, code=code, step=step,
                     text=text.decode('latin-1'), mtime=mtime)


# ------------------------------------------------------------- the dump

NETLINK_GENERIC = 16
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 1, 2
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
KFTP_CMD_GET_XFERS = 1
KFTP_A_XFER_ID = 2
NLHDR = struct.Struct('=IHHII')         # len, type, flags, seq, pid
GENLHDR = struct.Struct('=BBH')         # cmd, version, reserved


def nl_attrs(buf):
    """(type, payload) of each attribute in @buf."""
    off = 0
    while off + 4 <= len(buf):
        alen, atype = struct.unpack_from('=HH', buf, off)
        if alen < 4:
            break
        yield atype & 0x3fff, buf[off + 4:off + alen]
        off += (alen + 3) & ~3


def nl_recv(sock, bufsize):
    """One netlink datagram, whole: at least @bufsize bytes are asked for,
    more when it is larger (netlink would cut it, and drop the rest)."""
    size = sock.recv_into(bytearray(1), 1, socket.MSG_PEEK | socket.MSG_TRUNC)
    data = sock.recv(max(size, bufsize))
    if len(data) < size:
        raise OSError(errno.EMSGSIZE, 'netlink message cut')
    return data


def nl_exchange(family, flags, cmd, attrs=b'', bufsize=65536):
    """Send one generic netlink request on a fresh socket; the payloads
    (after the genl header) of the messages that answer it."""
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    try:
        sock.bind((0, 0))
        body = GENLHDR.pack(cmd, 1, 0) + attrs
        sock.send(NLHDR.pack(NLHDR.size + len(body), family,
                             NLM_F_REQUEST | flags, 1, 0) + body)
        out = []
        while True:
            data = nl_recv(sock, bufsize)
            off = 0
            while off + NLHDR.size <= len(data):
                mlen, mtype, _, _, _ = NLHDR.unpack_from(data, off)
                if mlen < NLHDR.size:
                    raise OSError(errno.EPROTO, 'bad netlink message')
                if mtype == NLMSG_ERROR:
                    err = -struct.unpack_from('=i', data, off + NLHDR.size)[0]
                    if err:
                        raise OSError(err, os.strerror(err))
                    return out
                if mtype == NLMSG_DONE:
                    return out
                out.append(data[off + NLHDR.size + GENLHDR.size:off + mlen])
                if not flags & NLM_F_DUMP:
                    return out
                off += (mlen + 3) & ~3
    finally:
        sock.close()


def kftp_family():
    name = b'kftp\0'
    attr = struct.pack('=HH', 4 + len(name), CTRL_ATTR_FAMILY_NAME) + name
    attr += b'\0' * (-len(attr) % 4)
    for msg in nl_exchange(GENL_ID_CTRL, 0, CTRL_CMD_GETFAMILY, attr):
        for atype, val in nl_attrs(msg):
            if atype == CTRL_ATTR_FAMILY_ID:
                return struct.unpack('=H', val[:2])[0]
    raise OSError(errno.ENOENT, 'no kftp generic netlink family')


def dump_ids(family, bufsize):
    """The ids of the running transfers, in the dump's order."""
    ids = []
    for msg in nl_exchange(family, NLM_F_DUMP, KFTP_CMD_GET_XFERS,
                           bufsize=bufsize):
        for atype, val in nl_attrs(msg):
            if atype == KFTP_A_XFER_ID:
                ids.append(struct.unpack('=Q', val[:8])[0])
    return ids


def dump_until(path, bufsize):
    family = kftp_family()
    while True:
        last = os.path.exists(path)
        t0 = time.monotonic_ns()
        ids = dump_ids(family, bufsize)
        print('dump %d %d %s' % (t0, time.monotonic_ns(),
                                 ' '.join(map(str, ids))), flush=True)
        if last:
            return 0


# Python names 95 ENOTSUP; the kernel's and the header's name is EOPNOTSUPP.
ERRNAMES = {**errno.errorcode, errno.EOPNOTSUPP: 'EOPNOTSUPP'}


def show(err, r):
    if err:
        step = STEPS[r['step']] if r['step'] < len(STEPS) else r['step']
        print('err=%s step=%s code=%d bytes=%d text=%s' % (
            ERRNAMES.get(err, err), step, r['code'], r['bytes'],
            r['text']), flush=True)
    else:
        print('ok bytes=%d size=%d mtime=%s code=%d' % (
            r['bytes'], r['size'], r['mtime'], r['code']), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--host', default='127.0.0.1')
    ap.add_argument('--port', type=int, default=21)
    ap.add_argument('--user', default='')
    ap.add_argument('--password', default='')
    ap.add_argument('--struct-size', type=int, default=SIZE_VER2)
    ap.add_argument('--resume', type=int, default=0)
    ap.add_argument('--remote-time', action='store_true')
    ap.add_argument('--max-filesize', type=int, default=0)
    ap.add_argument('--max-time-ms', type=int, default=0)
    ap.add_argument('--data-host', default='')
    ap.add_argument('--port-range', default='', help='LOW-HIGH')
    ap.add_argument('--timeout-ms', type=int, default=10000)
    ap.add_argument('--sleep', type=float, default=0,
                    help='seconds between requests')
    ap.add_argument('--repeat', type=int, default=1,
                    help='the whole list, this many times')
    ap.add_argument('--fork', action='store_true',
                    help='a child runs the same list on the same fd at once')
    ap.add_argument('--quiet-ok', action='store_true',
                    help='print only failures and a count')
    ap.add_argument('--dump-until', default='', metavar='FILE',
                    help='dump the running transfers until FILE exists')
    ap.add_argument('--dump-buf', type=int, default=4096)
    ap.add_argument('pairs', nargs='*',
                    metavar='[USER[:PASS]@][PORT:]REMOTE=LOCAL')
    a = ap.parse_args()
    if a.dump_until:
        return dump_until(a.dump_until, a.dump_buf)
    if not a.pairs:
        ap.error('no REMOTE=LOCAL')
    low, _, high = a.port_range.partition('-')
    fd = os.open('/dev/kftp', os.O_RDWR | os.O_CLOEXEC)
    child = os.fork() if a.fork else -1
    failed = done = 0
    for rnd in range(a.repeat):
        for i, pair in enumerate(a.pairs):
            if (rnd or i) and a.sleep:
                time.sleep(a.sleep)
            remote, _, local = pair.partition('=')
            port, user, password = a.port, a.user, a.password
            login, at, rest = remote.partition('@')
            if at:
                user, _, password = login.partition(':')
                remote = rest
            head, sep, rest = remote.partition(':')
            if sep and head.isdigit():
                port, remote = int(head), rest
            if child == 0:
                local += '.child'
            buf = request(a.host, port, remote, local, user, password,
                          flags=F_REMOTE_TIME if a.remote_time else 0,
                          resume=a.resume, size=a.struct_size,
                          max_filesize=a.max_filesize,
                          max_time_ms=a.max_time_ms, data_host=a.data_host,
                          port_low=int(low or 0),
                          port_high=int(high or 0),
                          timeout_ms=a.timeout_ms)
            err, r = call(fd, buf)
            done += 1
            failed += bool(err)
            if err or not a.quiet_ok:
                show(err, r)
    if a.quiet_ok:
        print('%d of %d requests failed' % (failed, done), flush=True)
    if child == 0:
        os._exit(1 if failed else 0)
    if child > 0:
        _, status = os.waitpid(child, 0)
        failed += status != 0
    os.close(fd)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
