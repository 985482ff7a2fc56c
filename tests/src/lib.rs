//! Integration tests of the whole toolkit live in `tests/`: the corpus, and
//! (as they arrive) interoperability with other varlink implementations.
