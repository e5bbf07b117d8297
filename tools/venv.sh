#!/bin/sh
# tools/venv.sh NAME REQUIREMENTS: (re)creates the Python environment .tools/NAME when REQUIREMENTS,
# the pins, are newer than its last install.
set -eu
name=$1 requirements=$2
if [ ! ".tools/$name/.installed" -nt "$requirements" ]; then
    echo "installing $requirements into .tools/$name"
    python3 -m venv ".tools/$name"
    ".tools/$name/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
    touch ".tools/$name/.installed"
fi
