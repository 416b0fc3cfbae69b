//! Graceful shutdown: SIGTERM (what `docker stop` and Kubernetes send) or
//! Ctrl-C cancels one token; each binary's loops finish their current step
//! and return.

use tokio_util::sync::CancellationToken;

/// Cancel `cancel` on the first SIGTERM or Ctrl-C, logging `what_next`.
pub fn cancel_on_signal(cancel: CancellationToken, what_next: &'static str) {
    tokio::spawn(async move {
        let Ok(mut term) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        else {
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = tokio::signal::ctrl_c() => {}
        }
        tracing::info!("{what_next}");
        cancel.cancel();
    });
}
