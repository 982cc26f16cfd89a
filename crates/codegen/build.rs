//! Builds the runtime static library (`runtime/`) and embeds it in the compiler, so that
//! `pluto build` needs nothing but a C linker. The runtime is built in release mode into
//! this crate's OUT_DIR with its own target directory, which keeps the nested cargo
//! from waiting on the lock of the outer build.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let runtime = manifest_dir.join("../../runtime");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    let target_dir = out_dir.join("runtime-target");
    println!("cargo:rerun-if-changed={}", runtime.join("src").display());
    println!("cargo:rerun-if-changed={}", runtime.join("Cargo.toml").display());
    println!("cargo:rerun-if-changed={}", manifest_dir.join("../abi/src").display());
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    println!("cargo:rerun-if-changed={}", runtime.join("net/src").display());
    println!("cargo:rerun-if-changed={}", runtime.join("net/Cargo.toml").display());
    // One build makes both archives: the core runtime, and the network runtime (which
    // contains the core).
    let status = Command::new(cargo)
        .args(["build", "--release", "--quiet", "-p", "pluto_runtime", "-p", "pluto_runtime_net", "--target-dir"])
        .arg(&target_dir)
        .current_dir(&runtime)
        // The outer build's flags (coverage, sanitizers) are not the runtime's.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        // The archive is embedded in every `pluto`: no debug info of its own.
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        // No panic may unwind into generated code.
        .env("CARGO_PROFILE_RELEASE_PANIC", "abort")
        .status()
        .expect("cannot run cargo to build the Pluto runtime");
    assert!(status.success(), "building the Pluto runtime failed");
    embed(&target_dir, &out_dir, "libpluto_runtime.a", "PLUTO_RUNTIME_ARCHIVE");
    embed(&target_dir, &out_dir, "libpluto_runtime_net.a", "PLUTO_RUNTIME_NET_ARCHIVE");
}

/// Copies a built archive into OUT_DIR without debug info and names it to the compiler.
fn embed(target_dir: &std::path::Path, out_dir: &std::path::Path, file: &str, variable: &str) {
    let built = target_dir.join("release").join(file);
    assert!(built.exists(), "the runtime archive is missing at {}", built.display());
    // The standard library inside the archive carries debug info; without it the
    // archive (and so `pluto`) is several times smaller. Where `strip` is missing the
    // archive is embedded as built.
    let archive = out_dir.join(file);
    std::fs::copy(&built, &archive).expect("copy the runtime archive");
    let _ = Command::new("strip").arg("--strip-debug").arg(&archive).status();
    println!("cargo:rustc-env={variable}={}", archive.display());
    // The compiler caches the archive on disk under this name: two builds of the runtime
    // of the same size must not share it.
    let bytes = std::fs::read(&archive).expect("read the runtime archive");
    println!("cargo:rustc-env={variable}_HASH={:016x}", fnv1a(&bytes));
}

/// FNV-1a, 64 bits: a stable hash of the archive's bytes.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| (hash ^ u64::from(byte)).wrapping_mul(0x100_0000_01b3))
}
