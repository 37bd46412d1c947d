#!/usr/bin/env bash
# Makes TorchSharp's libLibTorchSharp.so load on hosts whose libstdc++ predates GCC 13 (Debian 12).
# The library needs one symbol of GLIBCXX_3.4.32, std::ios_base_library_init(). When the host lacks that version, this
# script (1) clears the symbol's version, (2) marks the version requirement weak, (3) adds a tiny shim library that
# defines the symbol, next to the patched library (rpath $ORIGIN). On newer hosts it does nothing.
# Usage: fix-libtorchsharp.sh DIR...   (each DIR is searched for libLibTorchSharp.so)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
symbol=_ZSt21ios_base_library_initv
version=GLIBCXX_3.4.32
shim=libfaceclip_stdcxx_compat.so

libstdcxx="$(/sbin/ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 .*x86-64|libstdc\+\+\.so\.6 .*AArch64/ && !found {print $NF; found = 1}')"
[ -n "$libstdcxx" ] || libstdcxx="$(g++ -print-file-name=libstdc++.so.6 2>/dev/null || true)"
if [ -n "$libstdcxx" ] && grep -qa "$version" "$libstdcxx"; then
  exit 0  # the host's libstdc++ is new enough
fi

for dir in "$@"; do
  [ -d "$dir" ] || continue
  while IFS= read -r -d '' lib; do
    libdir="$(dirname "$lib")"
    if [ "$(objdump -T "$lib" 2>/dev/null | grep -c "($version)")" = 0 ]; then
      continue  # already patched, or a build that does not need the symbol
    fi
    if [ ! -f "$libdir/$shim" ] || [ "$here/ios_base_library_init.cpp" -nt "$libdir/$shim" ]; then
      g++ -shared -fPIC -O2 -o "$libdir/$shim" "$here/ios_base_library_init.cpp"
    fi
    # The output folder's copy may be a hard link into the NuGet cache (Directory.Build.props): patch a copy of its
    # own, never the shared file.
    cp -p "$lib" "$lib.unlinked" && mv -f "$lib.unlinked" "$lib"
    patchelf --clear-symbol-version "$symbol" "$lib"
    python3 "$here/elf_weaken_version.py" "$lib" "$version"
    patchelf --add-needed "$shim" "$lib"
    patchelf --set-rpath '$ORIGIN' "$lib"
    echo "patched $lib for $version"
  done < <(find "$dir" -name libLibTorchSharp.so -print0)
done
