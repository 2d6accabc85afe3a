"""The mailer: its own view of who is opted in, and campaign delivery (see the pipeline issue)."""
