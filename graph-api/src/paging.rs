//! Collections: one page (`Page<T>`), and every item across pages as a lazy stream.

use crate::call::{GraphRequest, Response};
use crate::{Error, GraphClient};
use futures_core::Stream;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

/// One page of a collection, as Graph sends it: the items, the link to the next page, and the
/// total count when the request asked for it with `.count(true)`.
///
/// It reads Graph's `{"value": [...], "@odata.nextLink": "..."}` (other `@odata.*` annotations
/// are ignored) and also a plain JSON array, which is one page with no next link: some actions
/// answer their collection that way.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items of this page (`value`).
    pub items: Vec<T>,
    /// Where the next page is (`@odata.nextLink`); `None` on the last page.
    pub next_link: Option<String>,
    /// How many items the whole collection has (`@odata.count`), when asked for.
    pub count: Option<i64>,
}

impl<'de, T: serde::de::DeserializeOwned> serde::Deserialize<'de> for Page<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::{Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor};
        struct PageVisitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: serde::de::DeserializeOwned> Visitor<'de> for PageVisitor<T> {
            type Value = Page<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a collection: an object with `value`, or a JSON array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Page<T>, A::Error> {
                let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Page {
                    items,
                    next_link: None,
                    count: None,
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Page<T>, A::Error> {
                let (mut items, mut next_link, mut count) = (None, None, None);
                while let Some(key) = map.next_key::<crate::object::Key<'de>>()? {
                    match key.as_str() {
                        "value" if items.is_none() => items = Some(map.next_value()?),
                        "value" => return Err(A::Error::duplicate_field("value")),
                        "@odata.nextLink" => next_link = map.next_value()?,
                        "@odata.count" => count = map.next_value()?,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(Page {
                    items: items.ok_or_else(|| A::Error::missing_field("value"))?,
                    next_link,
                    count,
                })
            }
        }
        deserializer.deserialize_any(PageVisitor(std::marker::PhantomData))
    }
}

impl<T> Page<T> {
    /// Whether another page follows.
    pub fn has_next(&self) -> bool {
        self.next_link.is_some()
    }
}

impl<T> IntoIterator for Page<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

/// Every item of a collection, page after page: a page is fetched only when the items before it
/// have been taken. Each page is one call, with the client's retry policy and timeouts.
///
/// After an error the stream ends. Made by a list request's `.stream()`.
#[must_use = "a stream does nothing until polled"]
pub struct PageStream<T> {
    /// Fetching pages and deciding where the next one is: the same code for every item type.
    pager: Pager,
    /// The items of the page read last that have not been taken yet.
    items: std::vec::IntoIter<T>,
    /// The most items `collect_all` gathers.
    collect_limit: usize,
}

impl<T> std::fmt::Debug for PageStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageStream").finish_non_exhaustive()
    }
}

// Nothing in a `PageStream` is pinned in place: the page being fetched is boxed.
impl<T> Unpin for PageStream<T> {}

impl<T: serde::de::DeserializeOwned> Stream for PageStream<T> {
    type Item = Result<T, Error>;
    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(item) = this.items.next() {
                return Poll::Ready(Some(Ok(item)));
            }
            let (request, response) = match std::task::ready!(this.pager.poll_page(cx)) {
                None => return Poll::Ready(None),
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                Some(Ok(answer)) => answer,
            };
            let page = match response.into_json::<Page<T>>() {
                Ok(page) => page,
                Err(e) => return Poll::Ready(Some(Err(e))),
            };
            let empty = page.items.is_empty();
            this.items = page.items.into_iter();
            if let Err(e) = this
                .pager
                .after_page(&request, page.next_link.as_deref(), empty)
            {
                return Poll::Ready(Some(Err(e)));
            }
        }
    }
}

impl<T: serde::de::DeserializeOwned> PageStream<T> {
    pub(crate) fn new(client: GraphClient, first: Result<GraphRequest, Error>) -> Self {
        let collect_limit = match &first {
            Ok(r) => r.options.resolve(&client.inner).max_collected_items,
            Err(_) => client.inner.max_collected_items,
        };
        PageStream {
            pager: Pager {
                client,
                next: Some(first),
                fetching: None,
                seen: std::collections::HashSet::new(),
                empty_run: 0,
            },
            items: Vec::new().into_iter(),
            collect_limit,
        }
    }

    /// The next item, or `None` after the last one (so no `StreamExt` import is needed).
    pub async fn next(&mut self) -> Option<Result<T, Error>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// Every remaining item, in order; the first error ends the collection. More items than the
    /// call's `max_collected_items` (default
    /// [`DEFAULT_MAX_COLLECTED_ITEMS`](crate::DEFAULT_MAX_COLLECTED_ITEMS)) fail it with
    /// [`Error::TooManyItems`], and no further page is fetched.
    pub fn collect_all(self) -> crate::Collecting<T> {
        crate::Collecting::new(self)
    }

    /// The most items [`collect_all`](Self::collect_all) gathers.
    pub(crate) fn collect_limit(&self) -> usize {
        self.collect_limit
    }
}

/// A page's call in flight: it gives the request back with the answer, for the next link.
type Fetch = Pin<Box<dyn Future<Output = (GraphRequest, Result<Response, Error>)> + Send>>;

/// The part of a [`PageStream`] that does not depend on the item type, compiled once: which
/// request comes next, the call in flight, and the guards against links that loop or pages
/// that stay empty.
struct Pager {
    client: GraphClient,
    /// What the stream fetches next: the request as the builder made it, then each page's
    /// `@odata.nextLink`; `None` after the last page. A request that failed to form (a bad id, a
    /// refused link) is an error only once the items before it have been taken.
    next: Option<Result<GraphRequest, Error>>,
    /// The page being fetched.
    fetching: Option<Fetch>,
    /// Hashes of the pages fetched so far: a link back to any of them would loop forever.
    seen: std::collections::HashSet<u64>,
    /// Pages in a row that held no item.
    empty_run: usize,
}

/// How many pages in a row may hold no item before a stream (and `.all()`) gives up: a server
/// that links to empty page after empty page would otherwise keep `.next()` waiting, and
/// `.all()` fetching, without end while never yielding an item. Graph can send an empty page
/// with a next link now and then; a hundred in a row is a fault.
pub const MAX_EMPTY_PAGES_IN_A_ROW: usize = 100;

impl Pager {
    /// The next page's answer, with its request; `None` after the last page. An error ends
    /// the stream: nothing is fetched after it.
    fn poll_page(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<(GraphRequest, Response), Error>>> {
        let fetching = match &mut self.fetching {
            Some(fetching) => fetching,
            None => {
                let request = match self.next.take() {
                    None => return Poll::Ready(None),
                    Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                    Some(Ok(request)) => request,
                };
                if !self.seen.insert(request.url_hash()) {
                    return Poll::Ready(Some(Err(Error::NextLink {
                        link: request.url.to_string(),
                        reason: "it names a page this collection already gave".into(),
                    })));
                }
                let client = self.client.clone();
                self.fetching.insert(Box::pin(async move {
                    let answer = client.send(&request).await;
                    (request, answer)
                }))
            }
        };
        let (request, answer) = std::task::ready!(fetching.as_mut().poll(cx));
        self.fetching = None;
        Poll::Ready(Some(answer.map(|response| (request, response))))
    }

    /// After a page was read: the request for the one its `@odata.nextLink` names, unless too
    /// many pages in a row were empty.
    fn after_page(
        &mut self,
        request: &GraphRequest,
        next_link: Option<&str>,
        empty: bool,
    ) -> Result<(), Error> {
        self.empty_run = if empty { self.empty_run + 1 } else { 0 };
        let Some(link) = next_link else {
            return Ok(());
        };
        if self.empty_run >= MAX_EMPTY_PAGES_IN_A_ROW {
            return Err(Error::NextLink {
                link: link.to_owned(),
                reason: format!("the last {MAX_EMPTY_PAGES_IN_A_ROW} pages held no item"),
            });
        }
        self.next = Some(self.client.follow(request, link));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::Page;

    #[test]
    fn reads_a_value_page_and_a_plain_array() {
        let page: Page<i32> = serde_json::from_str(
            r#"{"@odata.context":"x","value":[1,2],"@odata.nextLink":"https://n","@odata.count":9}"#,
        )
        .unwrap();
        assert_eq!(page.items, [1, 2]);
        assert_eq!(page.next_link.as_deref(), Some("https://n"));
        assert_eq!(page.count, Some(9));
        let page: Page<i32> = serde_json::from_str("[3,4]").unwrap();
        assert_eq!(
            (page.items, page.next_link, page.count),
            (vec![3, 4], None, None)
        );
    }

    #[test]
    fn refuses_what_is_not_a_collection() {
        assert!(serde_json::from_str::<Page<i32>>(r#"{"items":[1]}"#).is_err());
        assert!(serde_json::from_str::<Page<i32>>(r#"{"value":[1],"value":[2]}"#).is_err());
        assert!(serde_json::from_str::<Page<i32>>("true").is_err());
    }
}
