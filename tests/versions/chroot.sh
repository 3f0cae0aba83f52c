# chroot.sh --- entering a version-matrix root: its mounts, a clean environment, and leaving
# shellcheck shell=bash
#
#   chroot_mount DIR     /proc, /sys, /dev (its pts, a /dev/shm of its own) inside DIR
#   chroot_run DIR CMD   CMD inside DIR with a clean environment
#   chroot_unmount DIR   every mount under DIR, deepest first (ours or left over)
#   chroot_cleanup       unmounts the root chroot_mount last entered (for an EXIT trap)
#   overlay_mount LOWER DIR   DIR/root: a throwaway overlay of LOWER (overlay_unmount DIR)

chroot_mounted=""

chroot_unmount() {
	local m
	while read -r m; do
		[ -n "$m" ] || continue
		umount "$m" 2>/dev/null || umount -l "$m" || true
	done < <(findmnt -rn -o TARGET | awk -v d="$1/" 'index($0, d) == 1' | sort -r)
}

chroot_cleanup() {
	if [ -n "$chroot_mounted" ]; then
		chroot_unmount "$chroot_mounted"
		chroot_mounted=""
	fi
}

# Each bind is made private first, so nothing mounted under it reaches the host.
chroot_mount() {
	local dir=$1
	chroot_mounted=$dir
	mount -t proc proc "$dir/proc"
	mount -t sysfs sysfs "$dir/sys"
	mount --bind /dev "$dir/dev"
	mount --make-private "$dir/dev"
	if [ -d /dev/pts ] && mountpoint -q /dev/pts; then
		mount --bind /dev/pts "$dir/dev/pts"
		mount --make-private "$dir/dev/pts"
	fi
	mount -t tmpfs -o mode=1777,nosuid,nodev shm "$dir/dev/shm"
}

chroot_run() {
	local dir=$1
	shift
	# The run's wait scale (tests/lib/wait.sh), if measured, goes in too.
	chroot "$dir" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C \
		DEBIAN_FRONTEND=noninteractive ${TANDEM_WAIT_SCALE:+TANDEM_WAIT_SCALE=$TANDEM_WAIT_SCALE} "$@"
}

# overlay_mount LOWER DIR: DIR/root becomes a throwaway copy of LOWER (an
# overlay whose upper layer is a tmpfs at DIR/layer): whatever is installed
# or written in it is gone at overlay_unmount, and LOWER is never changed.
overlay_mount() {
	local lower=$1 dir=$2
	mkdir -p "$dir/layer" "$dir/root" &&
		mount -t tmpfs -o mode=755 tandem-overlay "$dir/layer" &&
		mkdir "$dir/layer/upper" "$dir/layer/work" &&
		mount -t overlay tandem-overlay \
			-o "lowerdir=$lower,upperdir=$dir/layer/upper,workdir=$dir/layer/work" "$dir/root"
}

# overlay_unmount DIR: the mounts of overlay_mount DIR (and any under them) go.
overlay_unmount() {
	local m
	chroot_unmount "$1/root"
	# A process that has just left it may hold it a moment: then detached
	# at once (lazily), and freed when the last user goes.
	for m in "$1/root" "$1/layer"; do
		mountpoint -q "$m" || continue
		umount "$m" 2>/dev/null || umount -l "$m"
	done
	return 0
}
