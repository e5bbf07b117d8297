# Every task a person runs. Start with `./just` (it installs a pinned `just` on first use).

set shell := ["bash", "-euo", "pipefail", "-c"]

node_tools := "tools/node"

# List the tasks
default:
    @{{just_executable()}} --justfile {{justfile()}} --list --unsorted

# Every check CI runs: formatting, freshness of statemachines/, lints, and every test
test: setup
    cargo fmt --all --check
    cargo run -q -p workflow-gen -- --check
    CI=true INSTA_UPDATE=no cargo test --workspace
    cargo clippy --workspace --all-targets -q -- -D warnings

# Install the pinned Node tools (asl-validator, aws-local-stepfunctions, Node 22) when the lockfile changed
setup:
    #!/usr/bin/env bash
    set -euo pipefail
    cd {{node_tools}}
    if [ ! node_modules/.package-lock.json -nt package-lock.json ]; then
        npm ci --no-audit --no-fund --loglevel=error
    fi

# Regenerate statemachines/ (ASL, input schemas, diagrams) from workflow-gen/src/machines
gen:
    cargo run -q -p workflow-gen

# Write new or changed insta snapshots, then show what changed: review it before committing
snapshots:
    INSTA_UPDATE=always cargo test -q --workspace || true
    git status --short -- '*.snap'
    git diff --stat -- '*.snap'
