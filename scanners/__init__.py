"""Detection: the SDK catalog (data) and the language front ends that turn source into call sites."""
