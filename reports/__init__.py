"""Report builders: HTML, Markdown, JSON, JUnit and Open-PSA."""
