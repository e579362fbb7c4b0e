//! The futures `.send()` and `.all()` return: named types shared by every action.
//!
//! A generated `async fn send` was a future type, and a state machine for rustc to check and
//! compile, per action; for the 811 actions of the Teams area that was about a sixth of a debug
//! build (BENCHMARKS.md section 5, run 7). These are one type per answer type instead.

use crate::call::Response;
use crate::{Error, PageStream};
use futures_core::Stream;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// A call in flight: the part that does not depend on the answer's type.
type InFlight<'a> = Pin<Box<dyn Future<Output = Result<Response, Error>> + Send + 'a>>;

/// The future a request's `.send()` returns: the call, then its answer read as `T`.
///
/// The request was checked and encoded when `.send()` was called (a bad id is already an
/// error inside); nothing goes on the wire until the future is polled.
#[must_use = "a request does nothing until `.send().await`"]
pub struct Sending<'a, T> {
    /// The call, or the error that stopped it before it started (taken when reported).
    call: Result<InFlight<'a>, Option<Error>>,
    /// How the answer becomes a `T` (no content, a `Location`, JSON, an OData value).
    read: fn(Response) -> Result<T, Error>,
}

impl<'a, T> Sending<'a, T> {
    /// The future of a prepared call (or of the error that stopped it).
    pub(crate) fn new(
        call: crate::__private::Call<'a>,
        read: fn(Response) -> Result<T, Error>,
    ) -> Self {
        let call = match call {
            Ok((client, request)) => {
                Ok(Box::pin(async move { client.send(&request).await }) as InFlight<'a>)
            }
            Err(e) => Err(Some(e)),
        };
        Sending { call, read }
    }
}

impl<T> std::fmt::Debug for Sending<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sending").finish_non_exhaustive()
    }
}

// Nothing in a `Sending` is pinned in place: the call in flight is boxed.
impl<T> Unpin for Sending<'_, T> {}

impl<T> Future for Sending<'_, T> {
    type Output = Result<T, Error>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        match &mut this.call {
            Ok(call) => call
                .as_mut()
                .poll(cx)
                .map(|answer| answer.and_then(this.read)),
            Err(e) => Poll::Ready(Err(e
                .take()
                .expect("a `Sending` future polled after it completed"))),
        }
    }
}

/// The future a list request's `.all()` (and [`PageStream::collect_all`]) returns: every item
/// of the collection, page by page, up to the call's `max_collected_items`.
#[must_use = "a request does nothing until `.all().await`"]
pub struct Collecting<T> {
    stream: PageStream<T>,
    items: Vec<T>,
}

impl<T> Collecting<T> {
    pub(crate) fn new(stream: PageStream<T>) -> Self {
        Collecting {
            stream,
            items: Vec::new(),
        }
    }
}

impl<T> std::fmt::Debug for Collecting<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Collecting")
            .field("items", &self.items.len())
            .finish_non_exhaustive()
    }
}

impl<T> Unpin for Collecting<T> {}

impl<T: serde::de::DeserializeOwned> Future for Collecting<T> {
    type Output = Result<Vec<T>, Error>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        loop {
            match std::task::ready!(Pin::new(&mut this.stream).poll_next(cx)) {
                None => return Poll::Ready(Ok(std::mem::take(&mut this.items))),
                Some(Err(e)) => return Poll::Ready(Err(e)),
                Some(Ok(item)) => {
                    let limit = this.stream.collect_limit();
                    if this.items.len() == limit {
                        return Poll::Ready(Err(Error::TooManyItems { limit }));
                    }
                    this.items.push(item);
                }
            }
        }
    }
}
