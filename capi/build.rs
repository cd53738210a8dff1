//! Gives the shared library its SONAME on Linux: `libencode_native.so.MAJOR` (`.so.0.MINOR`
//! while the version is 0.x, where a new minor version may change the ABI), so programs
//! linked against it keep the ABI version they were built for. `capi/install.sh` installs the
//! file under that name with the usual links.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        let major = std::env::var("CARGO_PKG_VERSION_MAJOR").unwrap_or_default();
        let minor = std::env::var("CARGO_PKG_VERSION_MINOR").unwrap_or_default();
        let abi = if major == "0" {
            format!("0.{minor}")
        } else {
            major
        };
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libencode_native.so.{abi}");
    }
}
