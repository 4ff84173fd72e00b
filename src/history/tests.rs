//! Store, writer and restore tests on temporary files.
