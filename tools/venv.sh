#!/bin/sh
# tools/venv.sh NAME REQUIREMENTS [MIN_PYTHON]: (re)creates the Python environment .tools/NAME when
# REQUIREMENTS, the pins, are newer than its last install, with a Python of at least MIN_PYTHON
# (default 3): python3, or else python3.N on PATH or pyenv's.
set -eu
name=$1 requirements=$2 min=${3:-3}

# python3 if it is at least $min, else the newest that is: python3.N on PATH, then pyenv's.
find_python() {
    pyenv_pythons=$(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.* 2>/dev/null | sort -V -r | sed 's|$|/bin/python3|')
    for candidate in python3 python3.14 python3.13 $pyenv_pythons; do
        command -v "$candidate" >/dev/null 2>&1 || continue
        if "$candidate" -c "import sys; sys.exit(sys.version_info < tuple(map(int, '$min'.split('.'))))" 2>/dev/null; then
            echo "$candidate"
            return
        fi
    done
    echo "tools/venv.sh: $name needs Python $min or later; none found on PATH or in pyenv" >&2
    exit 1
}

if [ ! ".tools/$name/.installed" -nt "$requirements" ]; then
    python=$(find_python)
    echo "installing $requirements into .tools/$name ($("$python" --version))"
    rm -rf ".tools/$name"
    "$python" -m venv ".tools/$name"
    ".tools/$name/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    touch ".tools/$name/.installed"
fi
