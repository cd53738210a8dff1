//! Integration tests: every output is decoded back in-process and checked.

mod support;

mod audio;
mod bad_input;
mod basics;
mod cli;
mod cli_audio;
mod cli_spellings;
mod codecs;
mod color;
mod concat;
mod crash;
mod delivery;
mod examples;
mod filters;
mod inputs;
mod outputs;
mod probed;
mod recover;
mod remux_audio;
mod replace;
mod setup;
mod threads;
mod truthful;
