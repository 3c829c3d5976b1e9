"""Geometry: output lengths, padding, the windows view and the kernel taps, against their definitions."""

import numpy as np
import pytensor.tensor as pt
import pytest

from symmodule.nn.ops.geometry import Geometry

# (geometry, input (height, width), kernel (kh, kw)): every field away from its default somewhere.
CASES = {
    "plain": (Geometry(), (5, 6), (3, 2)),
    "stride": (Geometry(stride=(2, 3)), (8, 9), (3, 2)),
    "asymmetric-padding": (Geometry(padding=((2, 0), (1, 3))), (4, 5), (3, 3)),
    "dilation": (Geometry(dilation=(2, 3)), (7, 9), (2, 3)),
    "everything": (Geometry((2, 1), ((1, 2), (0, 1)), (1, 2)), (7, 6), (3, 2)),
    "kernel-as-large-as-the-input": (Geometry(stride=(3, 2)), (3, 4), (3, 4)),
}


def count_windows(length, kernel, stride, before, after, dilation):
    """How many windows fit, by trying every start: window o spans [o*stride, o*stride + span)."""
    padded, span = length + before + after, dilation * (kernel - 1) + 1
    return sum(1 for o in range(padded + 1) if o * stride + span <= padded)


def windows_by_definition(padded, geometry, kernel):
    """``out[b, c, i, j, r, q] = padded[b, c, r*sh + i*dh, q*sw + j*dw]``, one entry at a time."""
    (sh, sw), (dh, dw), (kh, kw) = geometry.stride, geometry.dilation, kernel
    height, width = padded.shape[2:]
    out_h = count_windows(height, kh, sh, 0, 0, dh)
    out_w = count_windows(width, kw, sw, 0, 0, dw)
    out = np.empty(padded.shape[:2] + (kh, kw, out_h, out_w), dtype=padded.dtype)
    for i in range(kh):
        for j in range(kw):
            for r in range(out_h):
                for q in range(out_w):
                    out[:, :, i, j, r, q] = padded[:, :, r * sh + i * dh, q * sw + j * dw]
    return out


@pytest.fixture(params=list(CASES), ids=list(CASES))
def case(request):
    return CASES[request.param]


# -- output lengths -------------------------------------------------------------------------


@pytest.mark.parametrize("axis", [0, 1])
def test_output_length_is_the_number_of_windows_that_fit(case, axis):
    geometry, lengths, kernel = case
    expected = count_windows(
        lengths[axis], kernel[axis], geometry.stride[axis], *geometry.padding[axis], geometry.dilation[axis]
    )
    assert geometry.output_length(lengths[axis], kernel[axis], axis) == expected


@pytest.mark.parametrize(
    "length, kernel, stride, padding, dilation, expected",
    [
        (5, 3, 1, (0, 0), 1, 3),
        (5, 3, 2, (0, 0), 1, 2),
        (6, 3, 2, (0, 0), 1, 2),  # the last row is in no window: dropped, not padded
        (7, 3, 2, (0, 0), 1, 3),
        (4, 3, 1, (2, 0), 1, 4),  # padding before only
        (4, 3, 1, (0, 3), 1, 5),  # padding after only
        (7, 3, 1, (0, 0), 3, 1),  # dilation 3: a span of 7
        (1, 1, 5, (0, 0), 1, 1),
    ],
)
def test_output_length_with_padding_stride_and_dilation(length, kernel, stride, padding, dilation, expected):
    geometry = Geometry((stride, 1), (padding, (0, 0)), (dilation, 1))
    assert count_windows(length, kernel, stride, *padding, dilation) == expected  # the table itself
    assert geometry.output_length(length, kernel, 0) == expected


def test_output_length_below_one_when_the_input_is_shorter_than_one_window():
    geometry = Geometry(dilation=(2, 1))
    assert geometry.output_length(4, 3, 0) < 1  # a span of 5
    assert Geometry(padding=((1, 0), (0, 0)), dilation=(2, 1)).output_length(4, 3, 0) == 1


def test_output_length_of_symbolic_lengths_is_that_of_the_ints(case):
    geometry, lengths, kernel = case
    n, k = pt.lscalar("n"), pt.lscalar("k")
    symbolic = geometry.output_length(n, k, 0)
    assert symbolic.eval({n: lengths[0], k: kernel[0]}) == geometry.output_length(lengths[0], kernel[0], 0)


def test_output_shape_is_the_output_length_of_the_last_two_axes(case):
    geometry, lengths, kernel = case
    shape = (2, 3, *lengths)
    assert geometry.output_shape(shape, kernel) == (
        geometry.output_length(lengths[0], kernel[0], 0),
        geometry.output_length(lengths[1], kernel[1], 1),
    )


# -- padding --------------------------------------------------------------------------------


def test_pad_adds_the_zeros_of_each_side():
    geometry = Geometry(padding=((2, 0), (1, 3)))
    x = np.arange(1.0, 1.0 + 2 * 3 * 4 * 5).reshape(2, 3, 4, 5)
    padded = geometry.pad(x)
    assert padded.shape == (2, 3, 4 + 2, 5 + 4)
    np.testing.assert_array_equal(padded[:, :, 2:6, 1:6], x)
    inside = np.zeros(padded.shape, dtype=bool)
    inside[:, :, 2:6, 1:6] = True
    assert (padded[~inside] == 0).all()


def test_pad_without_padding_returns_the_input_itself():
    x = np.ones((1, 1, 2, 2))
    assert Geometry(stride=(2, 2)).pad(x) is x


def test_crop_undoes_pad(case):
    geometry, lengths, _ = case
    x = np.random.default_rng(0).standard_normal((2, 3, *lengths))
    np.testing.assert_array_equal(geometry.crop(geometry.pad(x)), x)


# -- windows and taps -----------------------------------------------------------------------


def test_windows_view_holds_each_window_of_the_padded_input(case):
    geometry, lengths, kernel = case
    padded = geometry.pad(np.random.default_rng(1).standard_normal((2, 3, *lengths)))
    windows = geometry.windows(padded, kernel)
    expected = windows_by_definition(padded, geometry, kernel)
    assert windows.shape == expected.shape == (2, 3, *kernel, *geometry.output_shape((2, 3, *lengths), kernel))
    np.testing.assert_array_equal(windows, expected)


def test_windows_is_a_read_only_view_of_its_input():
    padded = np.arange(2.0 * 1 * 4 * 4).reshape(2, 1, 4, 4)
    windows = Geometry(stride=(2, 2)).windows(padded, (2, 2))
    assert np.shares_memory(windows, padded)
    assert not windows.flags.writeable
    with pytest.raises(ValueError):
        windows[0, 0, 0, 0, 0, 0] = 1.0


def test_windows_of_an_input_shorter_than_one_window_are_empty():
    windows = Geometry().windows(np.ones((1, 2, 2, 5)), (3, 3))
    assert windows.shape == (1, 2, 3, 3, 0, 3)


def test_tap_slices_are_the_entries_each_kernel_tap_meets(case):
    geometry, lengths, kernel = case
    padded = geometry.pad(np.random.default_rng(2).standard_normal((2, 3, *lengths)))
    expected = windows_by_definition(padded, geometry, kernel)
    out_h, out_w = expected.shape[4:]
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            rows, cols = geometry.tap(i, j, out_h, out_w)
            np.testing.assert_array_equal(padded[:, :, rows, cols], expected[:, :, i, j], err_msg=f"tap {(i, j)}")


def test_tap_slices_stop_within_the_padded_input(case):
    geometry, lengths, kernel = case
    (top, bottom), (left, right) = geometry.padding
    out_h, out_w = geometry.output_shape((1, 1, *lengths), kernel)
    rows, cols = geometry.tap(kernel[0] - 1, kernel[1] - 1, out_h, out_w)
    assert rows.stop <= lengths[0] + top + bottom and cols.stop <= lengths[1] + left + right
    assert len(range(rows.start, rows.stop, rows.step)) == out_h
    assert len(range(cols.start, cols.stop, cols.step)) == out_w
