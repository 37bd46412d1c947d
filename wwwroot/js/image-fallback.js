// <img data-fallback="URL">: an image that fails to load shows its fallback instead, once (the jobs list shows the
// job's photo until its fitted face exists). A listener rather than an inline onerror, which the content security
// policy forbids; error events do not bubble, so it listens in the capture phase.
document.addEventListener("error", event => {
    const image = event.target;
    if (image instanceof HTMLImageElement && image.dataset.fallback) {
        const fallback = image.dataset.fallback;
        delete image.dataset.fallback;
        image.src = fallback;
    }
}, true);
