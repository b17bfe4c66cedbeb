"""05_linear_regression answered with a wrapper around the library's ``loss_gradients_nn`` (issue 11, item 10).

Earlier chapters' answers (``dlfs.functions.sigmoid``) are fine to use; this chapter's are not.
"""

CASES = [
    (
        {
            "loss_gradients_nn": (
                "import dlfs.regression\nfrom dlfs.functions import sigmoid\n"
                "def loss_gradients_nn(forward_info, weights):\n"
                "    assert sigmoid(0.0) == 0.5  # an earlier chapter's answer: allowed\n"
                "    return dlfs.regression.loss_gradients_nn(forward_info, weights)"
            ),
        },
        {"test_loss_gradients_nn": (0, "uses dlfs.regression.loss_gradients_nn")},
    ),
]
