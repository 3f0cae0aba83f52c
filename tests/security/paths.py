#!/usr/bin/python3
"""paths.py --- the paths a traced agent named, from strace -y output

    paths.py ROOT TRACE...

Prints one line per (trace, path) for every path under ROOT that a file
system call named (the directory descriptor's path joined to a relative
name): the trace's name, the call, and the path.  strace -y shows each
descriptor with its path, which is how a call relative to one is placed.
"""
import os
import re
import sys

CALL = re.compile(r'^(?:\d+\s+)?(\w+)\((.*)\)\s+=\s')
# An argument: a descriptor with its path, AT_FDCWD with the cwd, or a string.
ARG = re.compile(r'(?:-?\d+|AT_FDCWD)<([^>]*)>|"((?:[^"\\]|\\.)*)"')
# The calls whose arguments come as (dirfd, name) pairs; the others take names alone.
AT_CALLS = {'openat', 'openat2', 'mkdirat', 'renameat', 'renameat2', 'unlinkat', 'fchownat',
            'fchmodat', 'linkat', 'utimensat', 'mknodat', 'newfstatat', 'statx', 'faccessat',
            'faccessat2', 'readlinkat'}


def names(call, args):
    """The paths a call names, each resolved against its descriptor."""
    found = ARG.findall(args)
    out, base = [], None
    if call in AT_CALLS or call == 'symlinkat':
        for fdpath, s in found:
            if fdpath:
                base = fdpath
            elif base is not None or s.startswith('/'):
                if s:
                    out.append(s if s.startswith('/') else os.path.join(base, s))
                base = None
    else:
        out = [s for _, s in found if s.startswith('/')]
    if call in ('symlink', 'symlinkat') and out:
        out = out[1:]  # the target is text, not a path named
    return out


def main():
    root = os.path.realpath(sys.argv[1]).rstrip('/') + '/'
    seen = set()
    for trace in sys.argv[2:]:
        with open(trace, encoding='utf-8', errors='replace') as f:
            for line in f:
                m = CALL.match(line)
                if not m:
                    continue
                for p in names(m.group(1), m.group(2)):
                    p = os.path.normpath(p)
                    if p.startswith(root) and (trace, p) not in seen:
                        seen.add((trace, p))
                        print('%s\t%s\t%s' % (os.path.basename(trace), m.group(1), p))


main()
