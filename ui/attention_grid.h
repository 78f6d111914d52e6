// Small multiples: every head's attention pattern at once, layers in rows and heads in
// columns. Each thumbnail is a QImage made once per snapshot (max-pooled to at most
// kThumbnailPixels per side, so a sharp one-token pattern stays visible at T = 1024); switching
// heads only repaints the outline. Large captures are rendered on a worker thread once the
// snapshot has settled for kSettleMs and the grid is visible, keeping the old thumbnails up
// meanwhile. Clicking a thumbnail asks to open that head; it does not change any selection itself.
// Ctrl+click asks to ablate it (or restore it); ablated heads are crossed out.
#pragma once

#include <QImage>
#include <QPointer>
#include <QThread>
#include <QTimer>
#include <QWidget>
#include <atomic>
#include <memory>
#include <vector>

namespace tscope::ui {

struct Snapshot;

class AttentionGrid : public QWidget {
    Q_OBJECT
  public:
    static constexpr int kThumbnailPixels = 64;
    static constexpr int kSettleMs = 150;

    explicit AttentionGrid(QWidget* parent = nullptr);
    ~AttentionGrid() override;

    void setSnapshot(std::shared_ptr<const Snapshot> snapshot);
    void setSelected(int layer, int head);  // head −1 = the whole layer (averaged heads)
    void restyle();                         // colours changed: re-render the thumbnails
    void setCrossedOut(std::vector<std::pair<int, int>> heads);  // (layer, head) ablated
    const std::vector<std::pair<int, int>>& crossedOut() const { return crossedOut_; }

    int layers() const { return layers_; }
    int heads() const { return heads_; }
    bool ready() const { return ready_; }
    // Blocks until the thumbnails of the current snapshot are in place (tests, screenshots).
    void waitUntilReady();
    QImage thumbnail(int layer, int head) const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

  signals:
    void headClicked(int layer, int head);
    void ablationToggled(int layer, int head);  // Ctrl+click

  protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void showEvent(QShowEvent* event) override;

  private:
    struct Geometry {
        int labelWidth, labelHeight, cell, gap;
        // where the thumbnail of (layer, head) is drawn
        QRect cellRect(int layer, int head) const {
            return QRect(labelWidth + head * (cell + gap), labelHeight + layer * (cell + gap), cell,
                         cell);
        }
    };
    Geometry geometry() const;
    bool cellAt(QPoint pos, int* layer, int* head) const;
    enum class KeepOld { No, WhileRendering };
    void render(KeepOld keepOld);
    void startWorker();
    void stopWorker();
    void takeResult(int generation);

    std::shared_ptr<const Snapshot> snapshot_;
    std::vector<QImage> thumbnails_;  // [layer * heads + head]
    int layers_ = 0, heads_ = 0;
    int selectedLayer_ = 0, selectedHead_ = 0;
    bool ready_ = false;
    QPointer<QThread> worker_;
    int generation_ = 0;
    std::shared_ptr<std::atomic<bool>> cancel_;
    std::shared_ptr<std::vector<QImage>> pending_;
    QTimer settle_;  // starts the worker once Steps pause
    std::vector<std::pair<int, int>> crossedOut_;
};

}  // namespace tscope::ui
