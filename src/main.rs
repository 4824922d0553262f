//! The `nimbus-lint` binary: parses the command line and hands over to the library.

fn main() {
    let code = nimbus_lint::cli::main();
    std::process::exit(code);
}
