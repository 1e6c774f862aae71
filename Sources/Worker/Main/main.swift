import Worker

// Entry point only; everything else, tests included, reaches the worker through the library.
WorkerProgram.main()
