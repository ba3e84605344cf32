//! `sendready-lambda`: Sendready's HTTP API (one axum `Router`) and its adapters, hosted
//! by AWS Lambda behind API Gateway or by `sendready-local` on one machine.
//!
//! Dependencies point one way: [`routes`] -> [`service`] -> [`ports`] <- [`adapters`].
//! [`state`] builds the services over the adapters once per binary; [`error`] is the one
//! error path; [`config`] reads the environment; [`auth`] and [`extract`] give handlers
//! the caller and the body; [`runtime`] hosts a function in Lambda.

pub mod adapters;
pub mod auth;
pub mod config;
pub mod error;
pub mod extract;
pub mod ports;
pub mod routes;
pub mod runtime;
pub mod service;
pub mod state;

pub use routes::router;
pub use state::AppState;
