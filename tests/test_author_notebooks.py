"""The notebook builder: sources into cells, blocks into placeholders."""

import textwrap

import nbformat
import pytest

from grader.author.notebooks import (
    AuthoringError,
    annotate_blocks,
    blank_blocks,
    build_notebook,
    parse_source,
)

FN = textwrap.dedent(
    '''\
    def linear_backward(dZ, cache):
        """Doc."""
        A_prev, W, b = cache
        m = A_prev.shape[1]
        ### START CODE HERE ###
        # a comment the student must not see
        dW = np.dot(dZ, A_prev.T) / m
        db = np.sum(dZ, axis=1, keepdims=True) / m
        dA_prev, extra = np.dot(W.T, dZ), 1
        grads["dW" + str(m)] = dW
        for i in range(3):
            pass
        ### END CODE HERE ###
        return dA_prev, dW, db
    '''
)


def test_blank_blocks_replaces_assignments_by_none_and_drops_the_rest():
    out = blank_blocks(FN)
    assert "### START CODE HERE ### (≈ 6 lines of code)" in out
    body = out.split("(≈ 6 lines of code)\n")[1].split("    ### END")[0]
    assert body.splitlines() == [
        "    dW = None",
        "    db = None",
        "    dA_prev, extra = None, None",
        '    grads["dW" + str(m)] = None',
    ]
    assert "a comment the student must not see" not in out
    assert "A_prev, W, b = cache" in out and "return dA_prev, dW, db" in out


def test_blank_function_runs_and_returns_placeholders():
    src = blank_blocks(FN).replace('grads["dW" + str(m)] = None', "")
    ns = {"np": __import__("numpy"), "grads": {}}
    exec(src, ns)
    import numpy as np

    assert ns["linear_backward"](np.ones((2, 3)), (np.ones((4, 3)), np.ones((2, 4)), np.ones((2, 1)))) == (None, None, None)


def test_annotate_keeps_the_code():
    out = annotate_blocks(FN)
    assert "dW = np.dot(dZ, A_prev.T) / m" in out
    assert "(≈ 6 lines of code)" in out


def test_empty_block_becomes_pass():
    src = "def f():\n    ### START CODE HERE ###\n    print(1)\n    ### END CODE HERE ###\n"
    assert "    pass" in blank_blocks(src)
    assert "(≈ 1 line of code)" in blank_blocks(src)


@pytest.mark.parametrize(
    "src, message",
    [
        ("def f():\n    ### START CODE HERE ###\n    x = 1\n", "never closed"),
        ("def f():\n    x = 1\n    ### END CODE HERE ###\n", "without a START"),
        ("def f():\n    ### START CODE HERE ###\n    ### START CODE HERE ###\n", "inside another block"),
    ],
)
def test_unbalanced_blocks_are_authoring_errors(src, message):
    with pytest.raises(AuthoringError, match=message):
        blank_blocks(src)


SOURCE = textwrap.dedent(
    """\
    # Title

    Some $x^2$ text.
    +++
    Second cell.

    ```python
    import numpy as np
    ```

    ```{selfcheck} relu_backward
    ```
    <!-- demo -->
    ## Demo
    ```python
    print("train")
    ```
    """
)


def test_parse_source_splits_cells_and_tags_the_demo():
    cells = parse_source(SOURCE)
    assert [(c.kind, c.tags) for c in cells] == [
        ("markdown", ()),
        ("markdown", ()),
        ("code", ()),
        ("selfcheck", ()),
        ("markdown", ("demo",)),
        ("code", ("demo",)),
    ]
    assert cells[0].text == "# Title\n\nSome $x^2$ text."
    assert cells[2].text == "import numpy as np"


def test_build_notebook_is_valid_with_stable_unique_ids():
    nb = build_notebook(SOURCE)
    nbformat.validate(nb)
    ids = [c.id for c in nb.cells]
    assert len(set(ids)) == len(ids)
    assert ids == [c.id for c in build_notebook(SOURCE).cells]
    check_cell = nb.cells[3]
    assert check_cell.source == 'check("relu_backward", relu_backward)'
    assert check_cell.metadata["tags"] == ["selfcheck"]
    assert nb.cells[-1].metadata["tags"] == ["demo"]


@pytest.mark.parametrize(
    "src, message",
    [
        ("```python\nx = 1\n", "never closed"),
        ("```{nonsense} f\n```\n", "unknown directive"),
        ("```{graded}\n```\n", "needs a function name"),
        ("```{graded} a b\n```\n", "exactly one name"),
    ],
)
def test_bad_sources_are_authoring_errors(src, message):
    with pytest.raises(AuthoringError, match=message):
        parse_source(src)


def test_an_author_written_line_count_on_the_start_line_wins():
    from grader.author.notebooks import annotate_blocks, blank_blocks

    source = ("def f(x):\n    ### START CODE HERE ### (≈ 2 lines of code)\n    a = 1\n    b = 2\n    c = 3\n"
              "    ### END CODE HERE ###\n    return a\n")
    assert "### START CODE HERE ### (≈ 2 lines of code)" in blank_blocks(source)
    assert "(≈ 3 lines of code)" in annotate_blocks(source.replace(" (≈ 2 lines of code)", ""))
