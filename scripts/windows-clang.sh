#!/usr/bin/env bash
# clang on the PATH of a Windows job's next steps: ring (rustls's cryptography) builds its C and
# assembly for aarch64-pc-windows-msvc with clang only. GitHub's windows-latest image has LLVM
# in C:\Program Files\LLVM; where the image has none (windows-11-arm), Chocolatey installs it.
set -euo pipefail
llvm='C:\Program Files\LLVM\bin'
if ! command -v clang >/dev/null 2>&1; then
  if [ ! -x "$(cygpath -u "$llvm")/clang.exe" ]; then
    choco install llvm --yes --no-progress
  fi
  echo "$llvm" >> "$GITHUB_PATH"
  PATH="$(cygpath -u "$llvm"):$PATH"
fi
clang --version
