"""vim.view: ViewManager and the views it makes (ContainerView, ListView), each a session's own."""
