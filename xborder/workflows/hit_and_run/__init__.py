"""逃逸协查: a hit-and-run hunted across provinces (一地提请，多地响应)."""
