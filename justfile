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

# Every check CI runs: formatting, freshness of generated files, lints, every test, the CDK app's tests
test: setup
    cargo fmt --all --check
    cargo run -q -p workflow-gen -- --check
    CI=true INSTA_UPDATE=no cargo test --workspace
    cargo clippy --workspace --all-targets -q -- -D warnings
    cd cdk && npm test

# Install the pinned tools when their pins change: Node tools in tools/node and cdk, moto and cfn-lint in .tools
setup:
    #!/usr/bin/env bash
    set -euo pipefail
    for dir in {{node_tools}} cdk; do
        if [ ! $dir/node_modules/.package-lock.json -nt $dir/package-lock.json ]; then
            (cd $dir && npm ci --no-audit --no-fund --loglevel=error)
        fi
    done
    tools/venv.sh moto tools/emulator/requirements.txt 3.13
    tools/venv.sh cfn-lint cdk/requirements.txt
    tools/venv.sh iam tools/iam/requirements.txt

# Build the arm64 Lambda `bootstrap` (release, with cargo-lambda and zig) and zip it for the CDK app
package:
    #!/usr/bin/env bash
    set -euo pipefail
    tools/venv.sh cargo-lambda tools/package/requirements.txt
    rustup target add aarch64-unknown-linux-gnu
    # Size over speed: every activity is one AWS call, and a smaller zip cold-starts faster.
    # Set through the environment so `--release` benchmarks keep opt-level 3.
    export PATH="$PWD/.tools/cargo-lambda/bin:$PATH" CARGO_PROFILE_RELEASE_OPT_LEVEL=s
    time cargo lambda build --release --arm64 --output-format zip -p activities --bin bootstrap
    ls -l target/lambda/bootstrap/bootstrap.zip

# Package, then deploy the CDK app (cdk/) with the account's credentials: `./just deploy [cdk args]`
deploy *args: package setup
    cd cdk && npx cdk deploy "$@"

# Benchmarks: the local stack's real seconds (demo, end-to-end suite), a group cycle's transitions and virtual time, the Lambda package's size and cold init, the bees against wrk (Debian's) and oha (crates.io, built once into .tools)
bench: setup
    #!/usr/bin/env bash
    set -euo pipefail
    cargo build -q -p tuesday && cargo test -q -p tuesday-tests --no-run 2>/dev/null
    seconds() { local start=$(date +%s%N); "$@" >/dev/null 2>&1; awk -v s="$start" -v e="$(date +%s%N)" 'BEGIN { printf "%.1f", (e - s) / 1e9 }'; }
    echo "local stack, real seconds after the build (before LocalStack's interpreter, with aws-local-stepfunctions, 2026-12-01: demo 15.2 s, suite 57.8 s)"
    printf '  demo                 %6.1f s\n' "$(seconds target/debug/tuesday demo)"
    printf '  end-to-end suite     %6.1f s  (it has grown: engine and fleet behaviour tests)\n' "$(seconds cargo test -q -p tuesday-tests)"
    cargo run -q -p tuesday-tests --example bench_cycle
    echo "the Lambda package"
    cargo build -q -p activities --bin bootstrap
    cargo run -q -p tuesday-tests --example bench_init
    command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk)
    [ -x .tools/oha/bin/oha ] || cargo install -q oha --version 1.16.0 --locked --root .tools/oha
    cargo run -q --release -p bees --example bench_load

# Run a generated machine locally against the seeded emulator, e.g. `./just run detect --input '{...}'`
run machine *args: setup
    cargo run -q -p tuesday -- run "$@"

# Regenerate statemachines/ (ASL, input schemas, diagrams) and what the CDK app knows of the Rust side
gen:
    cargo run -q -p workflow-gen
    cargo run -q -p activities --bin cdk-manifest

# Write new or changed insta snapshots, then show what changed: review it before committing
snapshots:
    INSTA_UPDATE=always cargo test -q --workspace || true
    git status --short -- '*.snap'
    git diff --stat -- '*.snap'
