#!/usr/bin/env bash
# Builds libfaceclip_handle_quarantine.so next to each libLibTorchSharp.so under the given folders: the library that
# TorchSharp's P/Invokes bind to (see handle_quarantine.c and FaceClip.Core's Runtime/HandleQuarantine), so a Scalar or tensor the
# garbage collector finalizes is not freed while an operation still reads it.
# Usage: handle-quarantine.sh DIR...
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
shim=libfaceclip_handle_quarantine.so
compiler="$(command -v cc || command -v gcc || true)"
if [ -z "$compiler" ]; then
  echo "handle-quarantine.sh: no C compiler (cc or gcc) to build $shim; scripts/setup.sh installs one" >&2
  exit 1
fi

for dir in "$@"; do
  [ -d "$dir" ] || continue
  while IFS= read -r -d '' lib; do
    libdir="$(dirname "$lib")"
    if [ ! -f "$libdir/$shim" ] || [ "$here/handle_quarantine.c" -nt "$libdir/$shim" ] || [ "$lib" -nt "$libdir/$shim" ]; then
      "$compiler" -shared -fPIC -O2 -Wall -Werror -o "$libdir/$shim.tmp" "$here/handle_quarantine.c" \
        -Wl,--no-as-needed -L"$libdir" -l:libLibTorchSharp.so -Wl,-rpath,'$ORIGIN' -Wl,-rpath-link,"$libdir" -ldl -lpthread
      mv -f "$libdir/$shim.tmp" "$libdir/$shim"
      echo "built $libdir/$shim"
    fi
  done < <(find "$dir" -name libLibTorchSharp.so -print0)
done
