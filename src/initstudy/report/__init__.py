"""The markdown report and the HTML pages: facts in Python, words in templates."""
