//! Integration tests: every output is decoded back in-process and checked.

mod support;

mod basics;
