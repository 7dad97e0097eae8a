// Top-level code is main-actor isolated in Swift 6; keep it to one call into a nonisolated
// entry point so nothing that runs on a worker queue is ever defined here.
LeadsdMain.run()
