# Every task a person runs. Start with `./just` (it installs a pinned `just` on first use).

set shell := ["bash", "-euo", "pipefail", "-c"]
set positional-arguments := true

node_tools := "tools/node"

# List the tasks
default:
    @{{just_executable()}} --justfile {{justfile()}} --list --unsorted

# Patch Tuesday on a seeded local fleet: bake, update and cycle each wave, bees, digest
demo: setup
    cargo run -q -p tuesday -- demo

# Every check CI runs: formatting, freshness of statemachines/, lints, and every test
test: setup
    cargo fmt --all --check
    cargo run -q -p workflow-gen -- --check
    CI=true INSTA_UPDATE=no cargo test --workspace
    cargo clippy --workspace --all-targets -q -- -D warnings

# Install the pinned tools when their pins change: Node tools in tools/node, moto in .tools/moto
setup:
    #!/usr/bin/env bash
    set -euo pipefail
    if [ ! {{node_tools}}/node_modules/.package-lock.json -nt {{node_tools}}/package-lock.json ]; then
        (cd {{node_tools}} && npm ci --no-audit --no-fund --loglevel=error)
    fi
    if [ ! .tools/moto/.installed -nt tools/emulator/requirements.txt ]; then
        echo "setup: installing the emulator (moto) into .tools/moto"
        python3 -m venv .tools/moto
        .tools/moto/bin/pip install --quiet --disable-pip-version-check -r tools/emulator/requirements.txt
        touch .tools/moto/.installed
    fi

# Benchmarks: a group cycle's transitions and virtual time; the bees against wrk (apt-get install wrk)
bench: setup
    cargo run -q -p tuesday-tests --example bench_cycle
    command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
    cargo run -q --release -p bees --example bench_wrk

# Run a generated machine locally against the seeded emulator, e.g. `./just run detect --input '{...}'`
run machine *args: setup
    cargo run -q -p tuesday -- run "$@"

# Regenerate statemachines/ (ASL, input schemas, diagrams) from workflow-gen/src/machines
gen:
    cargo run -q -p workflow-gen

# Write new or changed insta snapshots, then show what changed: review it before committing
snapshots:
    INSTA_UPDATE=always cargo test -q --workspace || true
    git status --short -- '*.snap'
    git diff --stat -- '*.snap'
