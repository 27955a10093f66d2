//! [`StoreHandle`]: a [`Store`] on a thread of its own. Async callers send it work and
//! await the answer, so no async worker ever waits on the disk; a blocked or slow disk
//! delays history, never the console or the collector's polls.

use std::path::PathBuf;
use std::sync::mpsc;

use tokio::sync::oneshot;

use crate::{Store, StoreError};

type Job = Box<dyn FnOnce(&mut Store) + Send>;

/// A cheap, cloneable handle on the store's thread. The thread ends when the last
/// handle is dropped.
#[derive(Clone, Debug)]
pub struct StoreHandle {
    jobs: mpsc::Sender<Job>,
    path: PathBuf,
}

impl StoreHandle {
    /// Opens the store on a new thread; the error says why it could not be opened.
    pub fn open(path: PathBuf) -> Result<StoreHandle, StoreError> {
        let (jobs, rx) = mpsc::channel::<Job>();
        let (ready_tx, ready_rx) = mpsc::channel();
        let thread_path = path.clone();
        std::thread::Builder::new()
            .name("history-store".into())
            .spawn(move || {
                let mut store = match Store::open(&thread_path) {
                    Ok(s) => {
                        let _ = ready_tx.send(Ok(()));
                        s
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                while let Ok(job) = rx.recv() {
                    job(&mut store);
                }
            })
            .map_err(|e| StoreError::Io {
                path: path.clone(),
                detail: format!("cannot start the store's thread: {e}"),
            })?;
        ready_rx.recv().map_err(|_| StoreError::Closed)??;
        Ok(StoreHandle { jobs, path })
    }

    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Runs `work` on the store's thread and returns its answer.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Store) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |store| {
            let _ = tx.send(work(store));
        });
        self.jobs.send(job).map_err(|_| StoreError::Closed)?;
        rx.await.map_err(|_| StoreError::Closed)?
    }
}
