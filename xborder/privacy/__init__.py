"""Personal data protection: what the service records about reads of personal data, and (issue 13)
how it keeps personal data protected at rest and erasable."""
