//! `headroom-sim`: Headroom's simulation engine on the command line.
//!
//! A thin wrapper: everything happens in [`headroom_engine::cli`]. Run with `--help`.

use std::io;

fn main() {
    let args: Vec<_> = std::env::args_os().skip(1).collect();
    let code = headroom_engine::cli::run(&args, &mut io::stdout().lock(), &mut io::stderr().lock());
    std::process::exit(code);
}
