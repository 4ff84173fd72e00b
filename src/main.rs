fn main() {
    eprintln!(
        "depthscope {}: the live monitor and the --demo simulator are not built yet; \
         nothing here shows market data. See README.md for what exists today.",
        env!("CARGO_PKG_VERSION")
    );
    std::process::exit(2);
}
