#!/usr/bin/env bash
# Puts a newer real adb beside the system's: Debian 13's adb (34.0.5) with its libraries and its own
# C library, extracted into .cache/adb-34 and pointed at that C library's loader. Nothing of the
# system changes: apt reads and writes only its own folders there, and the archive's address is the
# one this machine's apt sources already name. Prints the adb path; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

suite=trixie
root=.cache/adb-34
adb_bin="$PWD/$root/usr/bin/adb"
if [ -x "$adb_bin" ] && "$adb_bin" version >/dev/null 2>&1; then
  echo "$adb_bin"
  exit 0
fi

packages=(adb android-libbase android-libboringssl android-libcutils android-liblog android-libziparchive
  libc6 libgcc-s1 libstdc++6 libbrotli1 liblz4-1 libzstd1 libprotobuf32t64 zlib1g libusb-1.0-0 libudev1
  libcap2 libxxhash0 patchelf)

# The Debian archive this machine already uses (deb822 sources first, then the one-line form).
mirror=$(awk '/^URIs:/ && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
if [ -z "$mirror" ]; then
  mirror=$(awk '$1 == "deb" && $2 !~ /^\[/ && $2 !~ /security/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
fi
if [ -z "$mirror" ]; then
  echo "newer-adb: no Debian archive in this machine's apt sources" >&2
  exit 1
fi

work="$PWD/.cache/adb-34-apt"
rm -rf "$work" "$root"
mkdir -p "$work/sources" "$work/lists/partial" "$work/cache/archives/partial" "$work/debs" "$root"
cat >"$work/sources/newer-adb.sources" <<SOURCES
Types: deb
URIs: $mirror
Suites: $suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
apt_options=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$work/sources"
  -o "Dir::State::Lists=$work/lists" -o "Dir::Cache=$work/cache" -o Dir::State::status=/dev/null
  -o Debug::NoLocking=1 -o APT::Sandbox::User=root -qq)
apt-get "${apt_options[@]}" update
(cd "$work/debs" && apt-get "${apt_options[@]}" download "${packages[@]}")
for deb in "$work"/debs/*.deb; do dpkg -x "$deb" "$root"; done

# The binary's loader and library path, so the newer C library is the one it runs on.
loader="$PWD/$root/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"
[ -e "$loader" ] || loader="$PWD/$root/lib64/ld-linux-x86-64.so.2"
libs="$PWD/$root/usr/lib/x86_64-linux-gnu:$PWD/$root/usr/lib/x86_64-linux-gnu/android:$PWD/$root/lib/x86_64-linux-gnu"
"$loader" --library-path "$libs" "$PWD/$root/usr/bin/patchelf" --set-interpreter "$loader" --set-rpath "$libs" "$adb_bin"
rm -rf "$work"
"$adb_bin" version >/dev/null
echo "$adb_bin"
