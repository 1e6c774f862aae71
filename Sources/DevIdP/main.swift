// Entry point only; everything testable lives in the other files of this target.
await IdentityProviderCommand.start()
