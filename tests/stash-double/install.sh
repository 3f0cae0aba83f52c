#!/bin/sh
# install.sh DEST --- the Bitbucket stand-in laid out in DEST as Bitbucket
# Server's installer lays it out: bin/ with its scripts, work/, and a
# bundled JRE whose jre/bin/java runs the application (this node's
# python3 under the JVM's name: the agent finds the JVM by what it is).
set -eu
src=$(cd "$(dirname "$0")" && pwd)
dest=$1
mkdir -p "$dest/bin" "$dest/jre/bin" "$dest/work"
cp "$src/stash-double.py" "$dest/"
cp "$src/bin/"*.sh "$dest/bin/"
cp "$(readlink -f /usr/bin/python3)" "$dest/jre/bin/java"
chmod 755 "$dest" "$dest/bin" "$dest/bin/"*.sh "$dest/jre" "$dest/jre/bin" "$dest/jre/bin/java"
